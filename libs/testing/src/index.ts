/**
 * libs/testing: real infrastructure for integration and end-to-end tests — free ports,
 * nats-server processes in JWT mode, throwaway PostgreSQL databases, Git over smart HTTP.
 */
export * from './free-port.js';
export * from './nats.js';
export * from './database.js';
export * from './git.js';
export * from './git-server.js';
