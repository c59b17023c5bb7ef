/** Renders an incident as a generic-webhook JSON body and as a Slack-compatible message. Pure. */
import type { Incident } from './alert-event.js';

const MAX_LISTED = 50;

function objectName(o: { kind: string; namespace?: string; name: string }): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

export function summarize(incident: Incident): string {
  const n = incident.clusters.length;
  const on = `${n} cluster${n === 1 ? '' : 's'}`;
  const c = incident.cause;
  switch (c.kind) {
    case 'drift_detected': {
      const reverted = incident.clusters.filter((x) => x.detail.resolution === 'reverted').length;
      const outcome = reverted === n ? 'reverted' : reverted === 0 ? 'not reverted' : `reverted on ${reverted} of ${n}`;
      return `Drift on ${objectName(c.object)} (${c.fields.join(', ') || 'no field list'}) on ${on}: ${outcome}`;
    }
    case 'sync_failed':
      return `Sync failed in ${c.error.stage} (${c.error.code}) on ${on}: ${c.error.reason}`;
    case 'cluster_offline':
      return `${on} went offline`;
  }
}

export function webhookBody(incident: Incident): Record<string, unknown> {
  return {
    event: incident.cause.kind,
    summary: summarize(incident),
    incident: { key: incident.key, firstSeenAt: incident.firstSeenAt.toISOString(), cause: incident.cause },
    clusters: incident.clusters.map((c) => ({ id: c.id, name: c.name, ...c.detail })),
  };
}

export function slackBody(incident: Incident): { text: string; blocks: unknown[] } {
  const names = incident.clusters.map((c) => c.name);
  const listed =
    names.slice(0, MAX_LISTED).join(', ') + (names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : '');
  const text = `${summarize(incident)}. Clusters: ${listed}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${summarize(incident)}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: `Clusters: ${listed}` } },
    ],
  };
}
