/** Rollout fields the CLI asks for, and how a rollout is drawn: one progress bar per wave. */
export const ROLLOUT_FIELDS = `id revision phase reason trigger actor onFailure createdAt updatedAt finishedAt rollbackRevision
  waves { name phase clusters { clusterName phase offline } }`;

export interface RolloutView {
  id: string;
  revision: string;
  phase: string;
  reason: string | null;
  trigger: string;
  actor: string;
  onFailure: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  rollbackRevision: string | null;
  waves: { name: string; phase: string; clusters: { clusterName: string | null; phase: string; offline: boolean }[] }[];
}

/** Phases after which a rollout never changes again. */
export const FINAL_PHASES = new Set(['SUCCEEDED', 'ROLLED_BACK', 'ABORTED', 'SUPERSEDED', 'REJECTED']);

export function bar(done: number, total: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export function waveProgress(w: RolloutView['waves'][number]): {
  done: number;
  failed: number;
  waiting: number;
  total: number;
} {
  return {
    done: w.clusters.filter((c) => c.phase === 'SUCCEEDED').length,
    failed: w.clusters.filter((c) => c.phase === 'FAILED').length,
    waiting: w.clusters.filter((c) => c.phase === 'WAITING').length,
    total: w.clusters.length,
  };
}

export function renderRollout(r: RolloutView): string {
  const head = `Rollout ${r.id}  revision ${r.revision.slice(0, 12)}  ${r.phase}  (${r.trigger.toLowerCase()} by ${r.actor}, on failure: ${r.onFailure.toLowerCase()})`;
  const width = Math.max(4, ...r.waves.map((w) => w.name.length));
  const waves = r.waves.map((w) => {
    const p = waveProgress(w);
    const notes = [
      p.failed ? `${p.failed} failed` : '',
      p.waiting ? `${p.waiting} waiting for their path` : '',
      w.clusters.some((c) => c.offline) ? 'waiting for offline clusters' : '',
    ]
      .filter(Boolean)
      .join(', ');
    return `  ${w.name.padEnd(width)}  ${bar(p.done, p.total)} ${`${p.done}/${p.total}`.padStart(5)}  ${w.phase}${notes ? `  (${notes})` : ''}`;
  });
  const tail = [
    r.reason ? `  reason: ${r.reason}` : '',
    r.rollbackRevision ? `  rollback commit: ${r.rollbackRevision}` : '',
  ].filter(Boolean);
  return [head, ...(waves.length ? waves : ['  (no waves: no cluster is affected)']), ...tail].join('\n');
}
