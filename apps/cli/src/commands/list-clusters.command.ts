/** `flotilla clusters list`: a page of clusters (filter by tag, state, text), as a table or JSON. */
import { intFlag, listFlag, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../errors.js';
import { ago, json, list, table } from '../output.js';
import { CLUSTER_FIELDS, shortRev, type ClusterView } from './cluster-fields.js';

const QUERY = `query($filter: ClustersFilterInput, $first: Int!, $after: String) {
  clusters(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { ${CLUSTER_FIELDS} } }
  }
}`;

const STATES = ['online', 'offline', 'pending'];

interface Page {
  clusters: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: ClusterView }[];
  };
}

export const listClustersCommand: Command = {
  path: ['clusters', 'list'],
  summary: 'List clusters sorted by name, a page at a time',
  positionals: [],
  flags: {
    tag: {
      type: 'string',
      multiple: true,
      value: 'TAG',
      help: 'only clusters with this tag (repeat or comma-separate: all must match)',
    },
    state: { type: 'string', value: 'STATE', help: `connection state: ${STATES.join(', ')}` },
    search: { type: 'string', value: 'TEXT', help: 'substring of name, provider or region' },
    limit: { type: 'string', value: 'N', help: 'clusters per page, 1-500 (default 50)' },
    after: { type: 'string', value: 'CURSOR', help: 'start after this cursor (printed under a page that has more)' },
    all: { type: 'boolean', help: 'fetch every page' },
    json: { type: 'boolean', help: 'print JSON instead of a table' },
  },
  async run({ io, args, client }) {
    const state = stringFlag(args, 'state');
    if (state !== undefined && !STATES.includes(state.toLowerCase()))
      throw usageError(`--state must be one of ${STATES.join(', ')}, got ${JSON.stringify(state)}`);
    const tags = listFlag(args, 'tag');
    const search = stringFlag(args, 'search');
    const filter = {
      ...(tags.length ? { tags } : {}),
      ...(state ? { connection: state.toUpperCase() } : {}),
      ...(search ? { search } : {}),
    };
    const first = intFlag(args, 'limit', { min: 1, max: 500, fallback: 50 });
    let after = stringFlag(args, 'after') ?? null;
    const nodes: ClusterView[] = [];
    let page: Page['clusters'];
    do {
      page = (await client().request<Page>(QUERY, { filter, first, after })).clusters;
      nodes.push(...page.edges.map((e) => e.node));
      after = page.pageInfo.endCursor;
    } while (args.flags['all'] === true && page.pageInfo.hasNextPage);
    const more = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    if (args.flags['json'] === true) {
      io.out(json({ totalCount: page.totalCount, clusters: nodes, nextCursor: more }));
      return;
    }
    if (nodes.length === 0) {
      io.out('No clusters match.');
      return;
    }
    const rows = nodes.map((c) => [
      c.name,
      c.connection,
      c.sync.state,
      c.sync.health,
      shortRev(c.sync.appliedRevision),
      list(c.tags),
      c.facts.provider,
      c.facts.region,
      c.facts.kubeVersion,
      ago(c.lastSeenAt),
    ]);
    io.out(
      table(['NAME', 'STATE', 'SYNC', 'HEALTH', 'REVISION', 'TAGS', 'PROVIDER', 'REGION', 'KUBE', 'LAST SEEN'], rows),
    );
    io.out(`\n${nodes.length} of ${page.totalCount} clusters.${more ? ` Next page: --after ${more}` : ''}`);
  },
};
