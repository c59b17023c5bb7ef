// Rollouts: the list (newest first, live), a form to roll a revision out to clusters by tag
// (operator), and links to each rollout's waves (see rollout.js).
import { errorBox, h, pill, replace, table } from '../dom.js';
import { ago, shortSha, words } from '../format.js';
import { PHASE_KIND, progressBar, renderRollout, waveCounts } from './rollout.js';

const LIST = `{ rollouts(first: 30) { edges { node { id revision phase trigger actor createdAt finishedAt
  waves { name phase clusters { phase } } } } } }`;
const START = `mutation($input: StartRolloutInput!) { startRollout(input: $input) { id } }`;
const HEAD = `{ fleetRepo { headRevision branch } fleetSummary { byTag { tag total } } }`;

/** @param {{ session: import('../session.js').Session, params: string[], navigate: (hash: string) => void }} ctx */
export async function render(ctx) {
  if (ctx.params[0]) return renderRollout(ctx);
  const { session, navigate } = ctx;
  const { api } = session;
  const listEl = h('div');

  async function drawList() {
    const { rollouts } = await api.gql(LIST);
    const rows = rollouts.edges.map(({ node: r }) => {
      const all = r.waves.flatMap((w) => w.clusters);
      return h(
        'tr',
        { class: 'rollout-row', dataset: { rollout: r.id } },
        h('td', null, h('a', { href: `#/rollouts/${r.id}` }, h('code', { class: 'sha', text: shortSha(r.revision) }))),
        h('td', null, pill(words(r.phase), PHASE_KIND[r.phase] ?? 'idle')),
        h(
          'td',
          null,
          h(
            'div',
            { class: 'progress-cell' },
            progressBar(waveCounts(all)),
            h('span', {
              class: 'muted',
              text: `${r.waves.filter((w) => w.phase === 'PASSED').length} / ${r.waves.length} waves · ${all.length} clusters`,
            }),
          ),
        ),
        h('td', { text: words(r.trigger) }),
        h('td', { text: r.actor }),
        h('td', { text: ago(r.createdAt) }),
      );
    });
    replace(
      listEl,
      table(
        ['Revision', 'Phase', 'Progress', 'Trigger', 'By', 'Started'],
        rows,
        'No rollout yet: push a commit, or start one here.',
      ),
    );
  }

  async function startForm() {
    const { fleetRepo, fleetSummary } = await api.gql(HEAD);
    const revision = h('input', {
      name: 'revision',
      required: true,
      size: 44,
      value: fleetRepo.headRevision ?? '',
      placeholder: 'full commit SHA',
      'aria-label': 'Revision',
    });
    const tag = h(
      'select',
      { name: 'tag', 'aria-label': 'Tag' },
      fleetSummary.byTag.map((t) => h('option', { value: t.tag, text: `${t.tag} (${t.total})` })),
    );
    const onFailure = h(
      'select',
      { name: 'onFailure', 'aria-label': 'On failure' },
      h('option', { value: 'PAUSE', text: 'pause' }),
      h('option', { value: 'ROLLBACK', text: 'roll back' }),
    );
    const note = h('div');
    return h(
      'form',
      {
        class: 'card form-row',
        onsubmit: async (/** @type {SubmitEvent} */ e) => {
          e.preventDefault();
          try {
            const { startRollout } = await api.gql(START, {
              input: { revision: revision.value.trim(), selector: { allOf: [tag.value] }, onFailure: onFailure.value },
            });
            navigate(`#/rollouts/${startRollout.id}`);
          } catch (err) {
            replace(note, errorBox(err));
          }
        },
      },
      h('h2', { text: `Start a rollout (tracked branch ${fleetRepo.branch})` }),
      h(
        'div',
        { class: 'fields' },
        h('label', null, 'Revision', revision),
        h('label', null, 'Clusters tagged', tag),
        h('label', null, 'On failure', onFailure),
        h('button', { type: 'submit', class: 'primary', text: 'Start rollout' }),
      ),
      note,
    );
  }

  await drawList();
  let timer;
  const unsubscribe = api.subscribe('subscription { rolloutProgress { id } }', {}, () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      drawList().catch((err) => replace(listEl, errorBox(err)));
    }, 1000);
  });
  const form = session.can('OPERATOR') ? await startForm() : null;
  return {
    el: h(
      'section',
      null,
      h('div', { class: 'page-head' }, h('h1', { text: 'Rollouts' })),
      form,
      h('div', { class: 'card' }, listEl),
    ),
    dispose: () => {
      unsubscribe();
      clearTimeout(timer);
    },
  };
}
