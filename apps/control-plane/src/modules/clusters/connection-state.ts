/** Online / Offline / Pending, derived from when the agent was last heard from. */
export const ConnectionState = { Online: 'Online', Offline: 'Offline', Pending: 'Pending' } as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** An agent that missed this many heartbeat intervals is Offline. */
export const MISSED_INTERVALS_OFFLINE = 3;

export function connectionStateOf(lastSeenAt: Date | null, intervalSeconds: number, now = Date.now()): ConnectionState {
  if (!lastSeenAt) return ConnectionState.Pending;
  return now - lastSeenAt.getTime() <= MISSED_INTERVALS_OFFLINE * intervalSeconds * 1000
    ? ConnectionState.Online
    : ConnectionState.Offline;
}
