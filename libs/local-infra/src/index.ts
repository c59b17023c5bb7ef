/**
 * libs/local-infra: the real infrastructure Flotilla runs on one machine — child processes,
 * nats-server, Git over smart HTTP (`git http-backend`), embedded PostgreSQL, free ports.
 * Used by the embedded default (`npm start`), the demo fleet, and libs/testing.
 */
export * from './free-port.js';
export * from './process.js';
export * from './nats-binary.js';
export * from './nats-server.js';
export * from './git.js';
export * from './git-server.js';
export * from './embedded-postgres.js';
export * from './postgres-standby.js';
