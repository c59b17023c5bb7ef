// One cluster: revision and sync state, render warnings, facts, the objects its agent manages (last
// action, health), drift events (what changed, which manager, when, reverted or not), sync history,
// and a preview of any revision (a pull request branch too): the rendered diff against what it runs.
// Updates live on the cluster's status and drift subscriptions (the preview stays as it is).
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
    id name tags connection admission credentialExpiresAt lastSeenAt registeredAt renderWarnings
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
const PREVIEW = `query Preview($cluster: String!, $revision: String!) {
  clusterDiff(cluster: $cluster, revision: $revision) {
    fromRevision toRevision warnings renderError { code file reason revision }
    objects { apiVersion kind namespace name change diff }
  }
}`;
const CHANGE_KIND = { ADDED: 'ok', CHANGED: 'warn', REMOVED: 'bad' };
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
  const main = h('div');
  const root = h('section', { class: 'cluster' }, main, preview());
  let cluster;

  async function draw() {
    const { cluster: c } = await api.gql(CLUSTER, { name });
    if (!c) throw new Error(`There is no cluster named "${name}".`);
    cluster = c;
    const { driftEvents } = await api.gql(DRIFT, { id: c.id });
    replace(main, header(c), overview(c), objects(c), drift(driftEvents.edges.map((e) => e.node)), history(c));
  }

  /** What a revision (branch, SHA; a pull request branch too) would change here, object by object. */
  function preview() {
    const input = h('input', {
      id: 'preview-revision',
      type: 'text',
      placeholder: 'branch or commit, e.g. a pull request branch',
      'aria-label': 'Revision to preview',
    });
    const out = h('div', { class: 'preview-result' });
    const form = h(
      'form',
      {
        class: 'preview-form',
        onsubmit: async (e) => {
          e.preventDefault();
          const revision = input.value.trim();
          if (!revision) return;
          replace(out, h('p', { class: 'muted', text: `Rendering ${revision}…` }));
          try {
            const { clusterDiff: d } = await api.gql(PREVIEW, { cluster: name, revision });
            replace(out, previewResult(d));
          } catch (err) {
            replace(out, errorBox(err));
          }
        },
      },
      input,
      h('button', { type: 'submit', text: 'Preview' }),
    );
    return h('div', { class: 'card preview' }, h('h2', { text: 'Preview a revision' }), form, out);
  }

  function previewResult(d) {
    const head = h('p', {
      class: 'muted',
      text: `${shortSha(d.fromRevision)} → ${shortSha(d.toRevision)} (rendered as the hub renders it, Helm charts included)`,
    });
    const warnings = d.warnings.map((w) => h('div', { class: 'render-warning', text: `Warning: ${w}` }));
    if (d.renderError) {
      const e = d.renderError;
      return [
        head,
        h('div', {
          class: 'error',
          text: `${shortSha(e.revision)} does not render (${e.code}): ${e.reason} — ${e.file}`,
        }),
      ];
    }
    if (d.objects.length === 0)
      return [head, warnings, h('p', { class: 'empty', text: 'No changes on this cluster.' })];
    const count = (c) => d.objects.filter((o) => o.change === c).length;
    return [
      head,
      warnings,
      h('p', { text: `${count('ADDED')} added, ${count('CHANGED')} changed, ${count('REMOVED')} removed` }),
      d.objects.map((o) =>
        h(
          'details',
          { class: 'object-diff', dataset: { change: o.change } },
          h(
            'summary',
            null,
            pill(words(o.change), CHANGE_KIND[o.change]),
            ' ',
            h('strong', { text: objectName(o) }),
            h('span', { class: 'muted', text: ` (${o.apiVersion})` }),
          ),
          h('pre', { class: 'diff', text: o.diff }),
        ),
      ),
    ];
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
        c.renderWarnings.map((w) => h('div', { class: 'render-warning', text: `Warning: ${w}` })),
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
