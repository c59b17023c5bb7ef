// Formatting and the mapping from API states to colours, shared by every view.

/** Short commit SHA, or a dash. @param {string | null | undefined} sha */
export const shortSha = (sha) => (sha ? sha.slice(0, 8) : '—');

/** "5 s ago", "3 min ago", or a date for old ones. @param {string | null | undefined} iso @param {number} [now] */
export function ago(iso, now = Date.now()) {
  if (!iso) return 'never';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
}

/** @param {string | null | undefined} iso */
export const when = (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '—');

/** @param {number} n */
export const count = (n) => n.toLocaleString('en-US');

/** @param {string} s  UPPER_SNAKE → "upper snake" */
export const words = (s) => s.toLowerCase().replaceAll('_', ' ');

/** Colour kind of a sync state (SYNCED, RECONCILING, OUT_OF_SYNC, FAILED; WAITING: its path is not pushed yet). */
export const SYNC_KIND = { SYNCED: 'ok', RECONCILING: 'busy', OUT_OF_SYNC: 'warn', WAITING: 'idle', FAILED: 'bad' };
/** Colour kind of a health status, worst first. */
export const HEALTH_KIND = {
  DEGRADED: 'bad',
  MISSING: 'bad',
  PROGRESSING: 'busy',
  SUSPENDED: 'idle',
  UNKNOWN: 'idle',
  HEALTHY: 'ok',
};
/** Colour kind of a connection state. */
export const CONNECTION_KIND = { ONLINE: 'ok', OFFLINE: 'off', PENDING: 'idle' };
/** Colour kind of a cluster's admission (ACTIVE, AWAITING_APPROVAL, SUSPENDED). */
export const ADMISSION_KIND = { ACTIVE: 'ok', AWAITING_APPROVAL: 'warn', SUSPENDED: 'bad' };
/** Colour kind of an object action. */
export const ACTION_KIND = {
  CREATED: 'ok',
  CONFIGURED: 'busy',
  UNCHANGED: 'idle',
  DELETED: 'warn',
  SKIPPED: 'idle',
  FAILED: 'bad',
};
/** Colour kind of a drift resolution. */
export const DRIFT_KIND = { REVERTED: 'ok', REPORTED: 'warn', REVERT_FAILED: 'bad' };

/**
 * What a fleet tile looks like for a cluster: the fill says sync, the stripe says health, and
 * an offline or never-seen cluster is greyed whatever it last reported.
 * @param {{ connection: string, sync: { state: string, health: string } }} c
 */
export function tileLook(c) {
  const off = c.connection !== 'ONLINE';
  return {
    fill: off ? 'off' : (SYNC_KIND[c.sync.state] ?? 'idle'),
    stripe: HEALTH_KIND[c.sync.health] ?? 'idle',
    label: `${words(c.connection)} · ${words(c.sync.state)} · ${words(c.sync.health)}`,
  };
}

/** "kind namespace/name" of an object reference. */
export const objectName = (o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
