// One rollout: its waves with live progress (the rolloutProgress subscription), every
// cluster's state, and pause / resume / abort / rollback for operators.
import { errorBox, h, pill, replace } from '../dom.js';
import { ago, shortSha, words } from '../format.js';

export const PHASE_KIND = {
  RUNNING: 'busy',
  PAUSED: 'warn',
  ROLLING_BACK: 'warn',
  SUCCEEDED: 'ok',
  ROLLED_BACK: 'idle',
  ABORTED: 'off',
  SUPERSEDED: 'off',
  REJECTED: 'bad',
};
const WAVE_KIND = { PENDING: 'idle', PROGRESSING: 'busy', SOAKING: 'busy', PASSED: 'ok', FAILED: 'bad' };
const CLUSTER_KIND = { PENDING: 'idle', UPDATING: 'busy', WAITING: 'idle', SUCCEEDED: 'ok', FAILED: 'bad' };

const FIELDS = `id revision phase trigger actor onFailure reason createdAt finishedAt rollbackRevision failedClusterIds
  policyError { file line reason }
  waves { name phase startedAt healthyAt finishedAt soakSeconds healthTimeoutSeconds
    clusters { clusterId clusterName phase rollbackPhase offline reason batch } }`;
const ROLLOUT = `query($id: ID!) { rollout(id: $id) { ${FIELDS} } }`;
const PROGRESS = `subscription($id: ID) { rolloutProgress(id: $id) { ${FIELDS} } }`;
/** Which commands make sense in which phase (the server decides; this only hides dead buttons). */
const COMMANDS = [
  { name: 'pause', label: 'Pause', when: ['RUNNING'], kind: 'ghost' },
  { name: 'resume', label: 'Resume', when: ['PAUSED'], kind: 'primary' },
  { name: 'abort', label: 'Abort', when: ['RUNNING', 'PAUSED'], kind: 'ghost' },
  { name: 'rollback', label: 'Roll back', when: ['RUNNING', 'PAUSED', 'SUCCEEDED'], kind: 'danger' },
];

/** Cluster counts by phase. @param {{ phase: string }[]} clusters */
export function waveCounts(clusters) {
  const n = { SUCCEEDED: 0, FAILED: 0, UPDATING: 0, PENDING: 0, total: clusters.length };
  for (const c of clusters) n[c.phase] = (n[c.phase] ?? 0) + 1;
  return n;
}

/** A bar: succeeded (green), failed (red), updating (blue), the rest pending. */
export function progressBar(n) {
  const pct = (x) => `width: ${n.total ? (100 * x) / n.total : 0}%`;
  const bar = h('div', {
    class: 'progress',
    role: 'progressbar',
    'aria-valuemin': 0,
    'aria-valuemax': n.total,
    'aria-valuenow': n.SUCCEEDED,
    title: `${n.SUCCEEDED} succeeded, ${n.FAILED} failed, ${n.UPDATING} updating, ${n.PENDING} pending`,
  });
  // Widths go through CSSOM (element.style), which the CSP allows; style="" attributes it would not.
  for (const [cls, x] of [
    ['done', n.SUCCEEDED],
    ['failed', n.FAILED],
    ['active', n.UPDATING],
  ]) {
    const seg = h('span', { class: cls });
    seg.style.cssText = pct(x);
    bar.appendChild(seg);
  }
  return bar;
}

/** @param {{ session: import('../session.js').Session, params: string[] }} ctx */
export async function renderRollout({ session, params }) {
  const { api } = session;
  const id = params[0];
  const root = h('section', { class: 'rollout' });
  const note = h('div');

  function draw(r) {
    const all = r.waves.flatMap((w) => w.clusters);
    const buttons = session.can('OPERATOR')
      ? COMMANDS.filter((c) => c.when.includes(r.phase)).map((c) =>
          h('button', {
            type: 'button',
            class: c.kind,
            dataset: { command: c.name },
            text: c.label,
            onclick: () => void command(c.name),
          }),
        )
      : [];
    replace(
      root,
      h(
        'div',
        { class: 'page-head' },
        h(
          'div',
          null,
          h('a', { href: '#/rollouts', class: 'back', text: '← Rollouts' }),
          h('h1', null, 'Rollout of ', h('code', { title: r.revision, text: shortSha(r.revision) })),
          h('p', {
            class: 'muted',
            text: `${words(r.trigger)} by ${r.actor}, ${ago(r.createdAt)} · on failure: ${words(r.onFailure)}${r.rollbackRevision ? ` · revert commit ${shortSha(r.rollbackRevision)}` : ''}`,
          }),
        ),
        h(
          'div',
          { class: 'head-pills' },
          h('span', { class: 'rollout-phase' }, pill(words(r.phase), PHASE_KIND[r.phase] ?? 'idle')),
          h('div', { class: 'actions' }, buttons),
        ),
      ),
      note,
      r.reason
        ? h('div', { class: r.failedClusterIds.length || r.phase === 'REJECTED' ? 'error' : 'notice', text: r.reason })
        : null,
      r.policyError
        ? h('div', {
            class: 'error',
            text: `${r.policyError.file}${r.policyError.line ? `:${r.policyError.line}` : ''}: ${r.policyError.reason}`,
          })
        : null,
      h(
        'div',
        { class: 'card' },
        h('h2', { text: `Progress: ${waveCounts(all).SUCCEEDED} of ${all.length} clusters` }),
        progressBar(waveCounts(all)),
      ),
      h(
        'div',
        { class: 'waves' },
        r.waves.map((w, i) => wave(w, i)),
      ),
    );
  }

  function wave(w, i) {
    const n = waveCounts(w.clusters);
    const timing = w.finishedAt
      ? `finished ${ago(w.finishedAt)}`
      : w.healthyAt
        ? `soaking since ${ago(w.healthyAt)} (${w.soakSeconds} s)`
        : w.startedAt
          ? `started ${ago(w.startedAt)}, health timeout ${w.healthTimeoutSeconds} s`
          : 'waiting';
    return h(
      'div',
      { class: 'wave card', dataset: { wave: w.name, phase: w.phase } },
      h(
        'div',
        { class: 'wave-head' },
        h('strong', { text: `${i + 1}. ${w.name}` }),
        h('span', { class: 'muted', text: `${n.SUCCEEDED} / ${n.total} · ${timing}` }),
        pill(words(w.phase), WAVE_KIND[w.phase] ?? 'idle'),
      ),
      progressBar(n),
      h(
        'div',
        { class: 'wave-clusters' },
        w.clusters.map((c) =>
          h(
            'a',
            {
              class: `chip cluster-state fill-${CLUSTER_KIND[c.phase] ?? 'idle'}`,
              href: c.clusterName ? `#/clusters/${encodeURIComponent(c.clusterName)}` : null,
              title: `${words(c.phase)}${c.rollbackPhase ? `, rollback ${words(c.rollbackPhase)}` : ''}${c.offline ? ', offline' : ''}${c.reason ? `: ${c.reason}` : ''}`,
              dataset: {
                cluster: c.clusterName ?? c.clusterId,
                phase: c.phase,
                rollback: c.rollbackPhase ?? undefined,
              },
            },
            c.clusterName ?? c.clusterId.slice(0, 8),
            h('span', {
              class: 'chip-count',
              text: c.rollbackPhase ? `rollback ${words(c.rollbackPhase)}` : words(c.phase),
            }),
          ),
        ),
      ),
    );
  }

  async function command(name) {
    try {
      const { [`${name}Rollout`]: r } = await api.gql(`mutation($id: ID!) { ${name}Rollout(id: $id) { ${FIELDS} } }`, {
        id,
      });
      replace(note);
      draw(r);
    } catch (err) {
      replace(note, errorBox(err));
    }
  }

  const { rollout } = await api.gql(ROLLOUT, { id });
  draw(rollout);
  const unsubscribe = api.subscribe(
    PROGRESS,
    { id },
    ({ rolloutProgress }) => draw(rolloutProgress),
    (err) => replace(note, errorBox(err)),
  );
  return { el: root, dispose: unsubscribe };
}
