/** libs/protocol: NATS subjects, permission sets and message schemas shared by hub and agent. */
export * from './version.js';
export * from './storable.js';
export * from './subjects.js';
export * from './messages.js';
export * from './reports.js';
export * from './relay.js';
