/**
 * libs/nats-auth: NATS decentralized JWT auth for Flotilla — the operator/account trust chain,
 * the nats-server config that enforces it, and least-privilege user JWTs for hub and agents.
 */
export * from './trust.js';
export * from './server-config.js';
export * from './user.js';
export * from './revocation.js';
export * from './renewal.js';
export * from './servers.js';
export * from './leaf-config.js';
export * from './native-ed25519.js';
