// One cluster: revision and sync state, facts, the objects its agent manages (last action,
// health), drift events (what changed, which manager, when, reverted or not) and sync history.
// Updates live on the cluster's status and drift subscriptions.
/* global window */
import { errorBox, h, pill, replace, table } from '../dom.js';
import {
  ACTION_KIND,
  ADMISSION_KIND,
  ago,
  CONNECTION_KIND,
  DRIFT_KIND,
  HEALTH_KIND,
  objectName,
  shortSha,
  SYNC_KIND,
  when,
  words,
} from '../format.js';

const CLUSTER = `query Cluster($name: String!) {
  cluster(name: $name) {
    id name tags connection admission credentialExpiresAt lastSeenAt registeredAt
    facts { kubeVersion agentVersion provider region nodeCount }
    sync { revision appliedRevision state health path branch repoUrl prune selfHeal
      lastResult { finishedAt error { stage code reason file } } }
    objects(first: 200) { edges { node { kind apiVersion namespace name action health message revision updatedAt } } }
    syncHistory(first: 20) { edges { node { id seq revision appliedRevision state health startedAt finishedAt durationMs sourceAvailable
      objects { created configured unchanged deleted failed skipped } error { stage code reason file } } } }
  }
}`;
const DRIFT = `query Drift($id: ID!) {
  driftEvents(filter: { clusterId: $id }, first: 50) { edges { node { id detectedAt fields managers message resolution revertedAt revertLatencyMs revision object { kind namespace name } } } }
}`;
const SYNC_NOW = `mutation($id: ID!) { syncCluster(id: $id) { id } }`;
/** Admission changes an admin may make, by the cluster's admission: [button, mutation, confirmation or null]. */
const ADMISSION_ACTIONS = {
  AWAITING_APPROVAL: [
    ['Approve', 'approveCluster', null],
    ['Suspend', 'suspendCluster', 'Suspend this cluster? Its agent is cut off until resumed.'],
  ],
  ACTIVE: [['Suspend', 'suspendCluster', 'Suspend this cluster? Its agent is cut off until resumed.']],
  SUSPENDED: [['Resume', 'resumeCluster', null]],
};

/** @param {{ session: import('../session.js').Session, params: string[] }} ctx */
export async function render({ session, params }) {
  const { api } = session;
  const name = params[0] ?? '';
  const root = h('section', { class: 'cluster' });
  let cluster;

  async function draw() {
    const { cluster: c } = await api.gql(CLUSTER, { name });
    if (!c) throw new Error(`There is no cluster named "${name}".`);
    cluster = c;
    const { driftEvents } = await api.gql(DRIFT, { id: c.id });
    replace(root, header(c), overview(c), objects(c), drift(driftEvents.edges.map((e) => e.node)), history(c));
  }

  function header(c) {
    const note = h('span', { class: 'muted action-note' });
    const syncNow =
      session.can('OPERATOR') && c.admission === 'ACTIVE'
        ? h('button', {
            type: 'button',
            class: 'primary',
            text: 'Sync now',
            onclick: async (e) => {
              e.target.disabled = true;
              try {
                await api.gql(SYNC_NOW, { id: c.id });
                replace(note, 'Desired state republished; the agent reconciles now.');
              } catch (err) {
                replace(note, errorBox(err));
              } finally {
                e.target.disabled = false;
              }
            },
          })
        : null;
    const admission = session.can('ADMIN')
      ? (ADMISSION_ACTIONS[c.admission] ?? []).map(([label, mutation, confirmText]) =>
          h('button', {
            type: 'button',
            dataset: { action: mutation },
            text: label,
            onclick: async (e) => {
              if (confirmText && !window.confirm(confirmText)) return;
              e.target.disabled = true;
              try {
                await api.gql(`mutation($id: ID!) { ${mutation}(id: $id) { id admission } }`, { id: c.id });
                await draw();
              } catch (err) {
                replace(note, errorBox(err));
                e.target.disabled = false;
              }
            },
          }),
        )
      : [];
    const admissionPill = c.admission === 'ACTIVE' ? null : pill(words(c.admission), ADMISSION_KIND[c.admission]);
    return h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        null,
        h('a', { href: '#/fleet', class: 'back', text: '← Fleet' }),
        h('h1', { text: c.name }),
        h(
          'div',
          { class: 'tags' },
          c.tags.map((t) => h('a', { class: 'chip', href: `#/fleet/${encodeURIComponent(t)}`, text: t })),
        ),
      ),
      h(
        'div',
        { class: 'head-pills' },
        pill(words(c.connection), CONNECTION_KIND[c.connection]),
        pill(words(c.sync.state), SYNC_KIND[c.sync.state]),
        pill(words(c.sync.health), HEALTH_KIND[c.sync.health]),
        admissionPill,
        syncNow,
        admission,
        note,
      ),
    );
  }

  function overview(c) {
    const s = c.sync;
    const err = s.lastResult?.error;
    const dl = (pairs) =>
      h(
        'dl',
        { class: 'facts' },
        pairs.map(([k, v]) => [h('dt', { text: k }), h('dd', null, v)]),
      );
    return h(
      'div',
      { class: 'cards' },
      h(
        'div',
        { class: 'card' },
        h('h2', { text: 'Revision' }),
        dl([
          ['Desired', h('code', { class: 'sha', title: s.revision ?? '', text: shortSha(s.revision) })],
          ['Applied', h('code', { class: 'sha', title: s.appliedRevision ?? '', text: shortSha(s.appliedRevision) })],
          ['Source', `${s.repoUrl ?? '(no repository)'} @ ${s.branch}`],
          ['Path', h('code', { text: s.path })],
          ['Policy', `prune ${s.prune ? 'on' : 'off'}, self-heal ${s.selfHeal ? 'on' : 'off'}`],
          ['Last reconcile', s.lastResult ? ago(s.lastResult.finishedAt) : 'none yet'],
        ]),
        err
          ? h(
              'div',
              { class: 'error' },
              `${err.stage} failed (${err.code}): ${err.reason}${err.file ? ` — ${err.file}` : ''}`,
            )
          : null,
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', { text: 'Cluster' }),
        dl([
          ['Kubernetes', c.facts.kubeVersion],
          ['Provider / region', `${c.facts.provider} / ${c.facts.region}`],
          ['Nodes', String(c.facts.nodeCount)],
          ['Agent', c.facts.agentVersion],
          ['Last heartbeat', ago(c.lastSeenAt)],
          ['Registered', when(c.registeredAt)],
        ]),
      ),
    );
  }

  function objects(c) {
    const rows = c.objects.edges.map(({ node: o }) =>
      h(
        'tr',
        null,
        h('td', { text: o.kind }),
        h('td', { text: o.namespace ?? '—' }),
        h('td', null, h('strong', { text: o.name })),
        h('td', null, pill(words(o.action), ACTION_KIND[o.action])),
        h('td', null, pill(words(o.health), HEALTH_KIND[o.health])),
        h('td', { class: 'muted', text: o.message ?? '' }),
        h('td', { class: 'muted', text: ago(o.updatedAt) }),
      ),
    );
    return h(
      'div',
      { class: 'card' },
      h('h2', { text: `Objects (${rows.length})` }),
      table(
        ['Kind', 'Namespace', 'Name', 'Last action', 'Health', 'Message', 'Updated'],
        rows,
        'The agent has not reported any object yet.',
      ),
    );
  }

  function drift(events) {
    const rows = events.map((d) =>
      h(
        'tr',
        { class: 'drift-row' },
        h('td', { title: when(d.detectedAt), text: ago(d.detectedAt) }),
        h('td', null, h('strong', { text: objectName(d.object) })),
        h('td', null, h('code', { text: d.fields.join(', ') })),
        h('td', { text: d.managers.join(', ') || 'unknown' }),
        h('td', null, pill(words(d.resolution), DRIFT_KIND[d.resolution])),
        h('td', { class: 'muted', text: d.revertLatencyMs != null ? `${d.revertLatencyMs} ms` : (d.message ?? '') }),
      ),
    );
    return h(
      'div',
      { class: 'card' },
      h('h2', { text: 'Drift' }),
      table(
        ['When', 'Object', 'Changed', 'Changed by', 'Outcome', 'Revert time'],
        rows,
        'No drift: nobody has changed what the agent applied.',
      ),
    );
  }

  function history(c) {
    const rows = c.syncHistory.edges.map(({ node: r }) => {
      const o = r.objects;
      const summary = [
        o.created && `${o.created} created`,
        o.configured && `${o.configured} configured`,
        o.deleted && `${o.deleted} deleted`,
        o.failed && `${o.failed} failed`,
        `${o.unchanged} unchanged`,
      ]
        .filter(Boolean)
        .join(', ');
      return h(
        'tr',
        null,
        h('td', { title: when(r.finishedAt), text: ago(r.finishedAt) }),
        h('td', null, h('code', { text: shortSha(r.revision) })),
        h('td', null, pill(words(r.state), SYNC_KIND[r.state])),
        h('td', null, pill(words(r.health), HEALTH_KIND[r.health])),
        h('td', { text: summary }),
        h('td', { text: `${r.durationMs} ms` }),
        h('td', {
          class: 'muted',
          text: r.error ? `${r.error.stage}: ${r.error.reason}` : r.sourceAvailable ? '' : 'Git unreachable',
        }),
      );
    });
    return h(
      'div',
      { class: 'card' },
      h('h2', { text: 'Sync history' }),
      table(
        ['Finished', 'Revision', 'State', 'Health', 'Objects', 'Took', 'Error'],
        rows,
        'No reconcile reported yet.',
      ),
    );
  }

  await draw();
  // Live: redraw (at most every second) when this cluster reports or drifts.
  let timer;
  const later = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      draw().catch((err) => root.prepend(errorBox(err)));
    }, 1000);
  };
  const subs = [
    api.subscribe(`subscription($id: ID) { clusterStatusChanged(clusterId: $id) { id } }`, { id: cluster.id }, later),
    api.subscribe(`subscription($id: ID) { driftDetected(clusterId: $id) { id } }`, { id: cluster.id }, later),
  ];
  return {
    el: root,
    dispose: () => {
      subs.forEach((u) => u());
      clearTimeout(timer);
    },
  };
}
