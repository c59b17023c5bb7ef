// Fleet: every cluster as a tile (fill = sync, stripe = health, grey = not connected), with
// counts per connection state and per tag, and filters by tag, state and text. Paging and
// filtering happen on the server: a page holds at most PAGE clusters, however large the fleet.
import { h, replace, errorBox } from '../dom.js';
import { count, tileLook, words } from '../format.js';

export const PAGE = 200;

const CLUSTERS = `query Fleet($filter: ClustersFilterInput, $first: Int!, $after: String) {
  clusters(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { endCursor hasNextPage }
    edges { node { id name tags connection facts { region provider } sync { state health appliedRevision } } }
  }
}`;
const SUMMARY = `{ fleetSummary { clusters { total online offline pending } byTag { tag total online offline pending } } }`;
const STATUS = `subscription { clusterStatusChanged { id name tags connection facts { region provider } sync { state health appliedRevision } } }`;

const STATES = [
  { value: null, label: 'All', key: 'total' },
  { value: 'ONLINE', label: 'Online', key: 'online' },
  { value: 'OFFLINE', label: 'Offline', key: 'offline' },
  { value: 'PENDING', label: 'Pending', key: 'pending' },
];
const SYNC_ORDER = ['SYNCED', 'RECONCILING', 'OUT_OF_SYNC', 'WAITING', 'FAILED'];

/** @param {{ session: import('../session.js').Session, params: string[] }} ctx */
export async function render({ session, params }) {
  const { api } = session;
  const filter = { tags: params[0] ? [params[0]] : [], connection: /** @type {string | null} */ (null), search: '' };
  /** @type {Map<string, { el: HTMLElement, cluster: any }>} */
  const tiles = new Map();
  let cursor = null;
  let loadSeq = 0;

  const summaryEl = h('div', { class: 'summary' });
  const tagsEl = h('div', { class: 'tag-filter', 'aria-label': 'Filter by tag' });
  const search = h('input', {
    type: 'search',
    class: 'search',
    placeholder: 'Search name, provider or region',
    'aria-label': 'Search clusters',
  });
  const grid = h('div', { class: 'tiles', role: 'list', 'aria-label': 'Clusters' });
  const status = h('div', { class: 'page-status' });
  const more = h('button', {
    type: 'button',
    class: 'ghost',
    text: `Load ${PAGE} more`,
    hidden: true,
    onclick: () => void load(false),
  });
  const syncBar = h('div', { class: 'sync-bar' });

  function tile(c) {
    const look = tileLook(c);
    return h(
      'a',
      {
        class: `tile fill-${look.fill} stripe-${look.stripe}`,
        href: `#/clusters/${encodeURIComponent(c.name)}`,
        role: 'listitem',
        title: `${c.name}: ${look.label}`,
        dataset: { cluster: c.name, sync: c.sync.state, health: c.sync.health, connection: c.connection },
      },
      h('span', { class: 'tile-name', text: c.name }),
      h('span', {
        class: 'tile-meta',
        text: `${c.connection === 'ONLINE' ? words(c.sync.state) : words(c.connection)} · ${c.facts.region}`,
      }),
    );
  }

  /** Sync-state counts of the clusters loaded so far (the API counts connection states only). */
  function drawSyncBar() {
    const by = new Map();
    for (const { cluster } of tiles.values()) {
      const key = cluster.connection === 'ONLINE' ? cluster.sync.state : 'NOT_CONNECTED';
      by.set(key, (by.get(key) ?? 0) + 1);
    }
    const kinds = {
      SYNCED: 'ok',
      RECONCILING: 'busy',
      OUT_OF_SYNC: 'warn',
      WAITING: 'idle',
      FAILED: 'bad',
      NOT_CONNECTED: 'off',
    };
    replace(
      syncBar,
      h('span', { class: 'muted', text: `Loaded ${count(tiles.size)}:` }),
      [...SYNC_ORDER, 'NOT_CONNECTED']
        .filter((s) => by.get(s))
        .map((s) =>
          h(
            'span',
            { class: 'legend-item' },
            h('i', { class: `swatch fill-${kinds[s]}` }),
            `${count(by.get(s))} ${words(s)}`,
          ),
        ),
    );
  }

  async function drawSummary() {
    const { fleetSummary: s } = await api.gql(SUMMARY);
    replace(
      summaryEl,
      STATES.map((st) =>
        h(
          'button',
          {
            type: 'button',
            class: ['count', `count-${st.key}`, filter.connection === st.value && 'active'],
            'aria-pressed': String(filter.connection === st.value),
            onclick: () => {
              filter.connection = st.value;
              void refresh();
            },
          },
          h('strong', { text: count(s.clusters[st.key]) }),
          h('span', { text: st.label }),
        ),
      ),
    );
    replace(
      tagsEl,
      h('span', { class: 'muted', text: 'Tags:' }),
      s.byTag.length === 0 ? h('span', { class: 'muted', text: 'none yet' }) : null,
      s.byTag.map((t) => {
        const on = filter.tags.includes(t.tag);
        return h(
          'button',
          {
            type: 'button',
            class: ['chip', on && 'active'],
            'aria-pressed': String(on),
            dataset: { tag: t.tag },
            title: `${t.online} online, ${t.offline} offline, ${t.pending} pending`,
            onclick: () => {
              filter.tags = on ? filter.tags.filter((x) => x !== t.tag) : [...filter.tags, t.tag];
              void refresh();
            },
          },
          t.tag,
          h('span', { class: 'chip-count', text: count(t.total) }),
        );
      }),
    );
  }

  /** Loads the first page (reset) or the next one, for the current filter. */
  async function load(reset) {
    const seq = ++loadSeq;
    const variables = {
      first: PAGE,
      after: reset ? null : cursor,
      filter: {
        tags: filter.tags.length ? filter.tags : null,
        connection: filter.connection,
        search: filter.search || null,
      },
    };
    more.disabled = true;
    try {
      const { clusters } = await api.gql(CLUSTERS, variables);
      if (seq !== loadSeq) return;
      if (reset) {
        tiles.clear();
        replace(grid);
      }
      for (const { node } of clusters.edges) {
        const el = tile(node);
        tiles.set(node.id, { el, cluster: node });
        grid.appendChild(el);
      }
      cursor = clusters.pageInfo.endCursor;
      more.hidden = !clusters.pageInfo.hasNextPage;
      replace(
        status,
        clusters.totalCount === 0
          ? h('p', { class: 'empty', text: 'No cluster matches this filter.' })
          : h('span', {
              class: 'muted',
              text: `Showing ${count(tiles.size)} of ${count(clusters.totalCount)} clusters`,
            }),
      );
      drawSyncBar();
    } catch (err) {
      replace(status, errorBox(err));
    } finally {
      more.disabled = false;
    }
  }

  async function refresh() {
    await Promise.all([drawSummary(), load(true)]);
  }

  let typing;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      filter.search = search.value.trim();
      void load(true);
    }, 250);
  });

  // Live: a tile on screen changes colour as its cluster reports; counts refresh at most every 2 s.
  let summaryTimer;
  const unsubscribe = api.subscribe(STATUS, {}, ({ clusterStatusChanged: c }) => {
    const shown = tiles.get(c.id);
    if (shown) {
      const el = tile(c);
      shown.el.replaceWith(el);
      tiles.set(c.id, { el, cluster: c });
      drawSyncBar();
    }
    summaryTimer ??= setTimeout(() => {
      summaryTimer = undefined;
      drawSummary().catch(() => {});
    }, 2000);
  });

  await refresh();
  const legend = h(
    'div',
    { class: 'legend' },
    [
      ['ok', 'synced'],
      ['busy', 'reconciling'],
      ['warn', 'out of sync'],
      ['bad', 'failed'],
      ['off', 'offline / pending'],
    ].map(([k, t]) => h('span', { class: 'legend-item' }, h('i', { class: `swatch fill-${k}` }), t)),
    h('span', { class: 'legend-item' }, h('i', { class: 'swatch stripe-sample' }), 'left stripe: health'),
  );
  const el = h(
    'section',
    { class: 'fleet' },
    h('div', { class: 'page-head' }, h('h1', { text: 'Fleet' }), search),
    summaryEl,
    tagsEl,
    h('div', { class: 'bar' }, syncBar, legend),
    grid,
    h('div', { class: 'page-foot' }, status, more),
  );
  return {
    el,
    dispose: () => {
      unsubscribe();
      clearTimeout(summaryTimer);
      clearTimeout(typing);
    },
  };
}
