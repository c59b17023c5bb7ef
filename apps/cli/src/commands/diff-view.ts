/** Prints a clusterDiff result: a header per object (+ added, - removed, ~ changed) and its unified diff, colored on request. */

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
  objects: ObjectDiffView[];
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
