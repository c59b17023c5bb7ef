/**
 * libs/testing: real infrastructure for integration and end-to-end tests — free ports,
 * nats-server processes in JWT mode, throwaway PostgreSQL databases.
 */
export * from './free-port.js';
export * from './nats.js';
export * from './database.js';
