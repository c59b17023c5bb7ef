/**
 * libs/testing: real infrastructure for integration and end-to-end tests — nats-server processes
 * in JWT mode, throwaway PostgreSQL databases, and (re-exported from libs/local-infra) free
 * ports and Git over smart HTTP.
 */
export { freePort, startGitServer, commitFiles, runGit } from '@flotilla/local-infra';
export type { GitServer, GitServerOptions, GitOutage, CommitFilesOptions, GitRunOptions } from '@flotilla/local-infra';
export * from './nats.js';
export * from './nats-cluster.js';
export * from './nats-leaf.js';
export * from './tcp-proxy.js';
export * from './database.js';
export * from './gpg.js';
export * from './slowdown.js';
export * from './eventually.js';
export * from './log-capture.js';
