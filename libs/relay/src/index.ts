/**
 * libs/relay: the hub-side relay between agents and JetStream. Agents never address JetStream or
 * KV subjects (JetStream answers to any reply subject a client names); they send requests on
 * their own relay subjects, and this code validates each one, writes it to the agent stream
 * itself, and replies only into the sending agent's own inbox.
 */
export * from './relay-request.js';
export * from './agent-relay.js';
