// Audit log: every change made through the API, newest first, a page at a time. Admin only.
import { errorBox, h, replace, table } from '../dom.js';
import { ago, when } from '../format.js';

const PAGE = 50;
const AUDIT = `query($first: Int!, $after: String) { auditLog(first: $first, after: $after) {
  pageInfo { endCursor hasNextPage } edges { node { id occurredAt actorName action targetType targetId details } } } }`;

/** @param {{ session: import('../session.js').Session }} ctx */
export async function render({ session }) {
  const rows = [];
  let cursor = null;
  const listEl = h('div');
  const more = h('button', {
    type: 'button',
    class: 'ghost',
    text: 'Older entries',
    hidden: true,
    onclick: () => void load().catch((err) => listEl.append(errorBox(err))),
  });

  async function load() {
    const { auditLog } = await session.api.gql(AUDIT, { first: PAGE, after: cursor });
    for (const { node: e } of auditLog.edges) {
      const details = Object.entries(e.details)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join('  ');
      rows.push(
        h(
          'tr',
          null,
          h('td', { title: when(e.occurredAt), text: ago(e.occurredAt) }),
          h('td', { text: e.actorName }),
          h('td', null, h('code', { text: e.action })),
          h('td', { text: `${e.targetType} ${e.targetId}` }),
          h('td', { class: 'muted details', text: details }),
        ),
      );
    }
    cursor = auditLog.pageInfo.endCursor;
    more.hidden = !auditLog.pageInfo.hasNextPage;
    replace(listEl, table(['When', 'Who', 'Action', 'Target', 'Details'], rows, 'Nothing has been changed yet.'));
  }

  await load();
  return {
    el: h(
      'section',
      null,
      h('div', { class: 'page-head' }, h('h1', { text: 'Audit log' })),
      h('div', { class: 'card' }, listEl, more),
    ),
  };
}
