import { registerEnumType } from '@nestjs/graphql';
import { ConnectionState } from '../connection-state.js';

/** The GraphQL enum: conventional upper-case names over the stored values. */
export const ConnectionStateEnum = {
  ONLINE: ConnectionState.Online,
  OFFLINE: ConnectionState.Offline,
  PENDING: ConnectionState.Pending,
} as const;

registerEnumType(ConnectionStateEnum, {
  name: 'ConnectionState',
  description: 'PENDING: never heard from; OFFLINE: missed 3 heartbeat intervals',
});
