/**
 * Prints a clusterDiff result: a header per object (+ added, - removed, ~ changed) and its unified
 * diff, colored on request; and a fleetDiff: one line per cluster that changes (counts), optionally
 * followed by each cluster's object diffs.
 */

export interface ObjectDiffView {
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string;
  change: 'ADDED' | 'REMOVED' | 'CHANGED';
  diff: string;
}

export interface ClusterDiffView {
  cluster: string;
  path: string;
  fromRevision: string | null;
  toRevision: string;
  renderError: { code: string; file: string; reason: string; revision: string } | null;
  warnings?: string[];
  objects: ObjectDiffView[];
}

export interface FleetDiffView {
  toRevision: string;
  clusters: number;
  unchanged: number;
  failed: number;
  entries: Array<ClusterDiffView & { added: number; changed: number; removed: number }>;
}

const SIGN = { ADDED: '+', REMOVED: '-', CHANGED: '~' } as const;
const WORD = { ADDED: 'added', REMOVED: 'removed', CHANGED: 'changed' } as const;
const sgr = (code: string) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const COLORS = { ADDED: sgr('32'), REMOVED: sgr('31'), CHANGED: sgr('33'), hunk: sgr('36'), header: sgr('1') };

/** Color when stdout is a terminal and NO_COLOR is unset, or when FORCE_COLOR asks for it. */
export function wantsColor(isTty: boolean, env: NodeJS.ProcessEnv): boolean {
  if (env['FORCE_COLOR'] && env['FORCE_COLOR'] !== '0') return true;
  return isTty && !env['NO_COLOR'];
}

const short = (rev: string | null) => (rev ? rev.slice(0, 12) : 'nothing');

function colorLine(line: string, color: boolean): string {
  if (!color) return line;
  if (line.startsWith('+++ ') || line.startsWith('--- ')) return COLORS.header(line);
  if (line.startsWith('@@')) return COLORS.hunk(line);
  if (line.startsWith('+')) return COLORS.ADDED(line);
  if (line.startsWith('-')) return COLORS.REMOVED(line);
  return line;
}

export function formatDiff(d: ClusterDiffView, color: boolean): string {
  const out = [`Cluster ${d.cluster} (${d.path}): ${short(d.fromRevision)} -> ${short(d.toRevision)}`];
  for (const w of d.warnings ?? []) out.push(`warning: ${w}`);
  if (!d.objects.length) return [...out, 'no changes'].join('\n');
  for (const o of d.objects) {
    const title = `${SIGN[o.change]} ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} (${o.apiVersion}) ${WORD[o.change]}`;
    out.push('', color ? COLORS[o.change](title) : title);
    out.push(
      ...o.diff
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => colorLine(l, color)),
    );
  }
  const count = (c: ObjectDiffView['change']) => d.objects.filter((o) => o.change === c).length;
  out.push(
    '',
    `${d.objects.length} object(s): ${count('ADDED')} added, ${count('REMOVED')} removed, ${count('CHANGED')} changed`,
  );
  return out.join('\n');
}

/** The blast radius: one line per cluster that changes (or fails to render), then a total. */
export function formatFleetDiff(f: FleetDiffView, opts: { color: boolean; details: boolean }): string {
  const out = [`Revision ${short(f.toRevision)}: ${f.entries.length - f.failed} of ${f.clusters} cluster(s) change`];
  if (f.entries.length === 0) return [...out, 'no changes'].join('\n');
  const width = Math.max(...f.entries.map((e) => e.cluster.length));
  for (const e of f.entries) {
    const name = e.cluster.padEnd(width);
    if (e.renderError) {
      const r = e.renderError;
      const line = `! ${name}  does not render at ${short(r.revision)}: ${r.file}: ${r.reason} (${r.code})`;
      out.push(opts.color ? COLORS.REMOVED(line) : line);
      continue;
    }
    const counts = `+${e.added} ~${e.changed} -${e.removed}`;
    out.push(`~ ${name}  ${counts.padEnd(12)} ${e.path} (${short(e.fromRevision)} -> ${short(e.toRevision)})`);
    for (const w of e.warnings ?? []) out.push(`    warning: ${w}`);
  }
  out.push('', `${f.unchanged} cluster(s) unchanged${f.failed ? `, ${f.failed} failing to render` : ''}`);
  if (opts.details)
    for (const e of f.entries) if (!e.renderError) out.push('', formatDiff({ ...e, warnings: [] }, opts.color));
  return out.join('\n');
}
