/** apps/agent: the per-cluster Flotilla agent, importable for tests (`startAgent`) and runnable (`main.ts`). */
export { startAgent, type RunningAgent, type StartOptions } from './agent.js';
export { loadConfig, type AgentConfig } from './config.js';
export { AgentError, ErrorCode } from './errors.js';
export { createLogger } from './logger.js';
export { AGENT_NODE_OPTIONS } from './node-options.js';
export { CREDENTIAL_FILE, StoredCredential } from './registration/credential.js';
