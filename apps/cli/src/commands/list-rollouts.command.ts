/** `flotilla rollout list`: rollouts, newest first, with overall progress. */
import { intFlag, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { ago, json, table } from '../output.js';
import { ROLLOUT_FIELDS, waveProgress, type RolloutView } from './rollout-view.js';

const QUERY = `query($filter: RolloutsFilterInput, $first: Int!, $after: String) {
  rollouts(filter: $filter, first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { ${ROLLOUT_FIELDS} } } }
}`;

export const listRolloutsCommand: Command = {
  path: ['rollout', 'list'],
  summary: 'List rollouts, newest first',
  positionals: [],
  flags: {
    phase: { type: 'string', value: 'PHASE', help: 'e.g. RUNNING, PAUSED, SUCCEEDED, ROLLED_BACK' },
    revision: { type: 'string', value: 'SHA', help: 'a commit SHA or its prefix' },
    limit: { type: 'string', value: 'N', help: 'rollouts per page, 1-100 (default 20)' },
    after: { type: 'string', value: 'CURSOR', help: 'start after this cursor' },
    json: { type: 'boolean', help: 'print JSON' },
  },
  async run({ io, args, client }) {
    const phase = stringFlag(args, 'phase')?.toUpperCase();
    const revision = stringFlag(args, 'revision');
    const filter = { ...(phase ? { phase } : {}), ...(revision ? { revision } : {}) };
    const first = intFlag(args, 'limit', { min: 1, max: 100, fallback: 20 });
    const { rollouts } = await client().request<{
      rollouts: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: RolloutView }[] };
    }>(QUERY, {
      filter,
      first,
      after: stringFlag(args, 'after') ?? null,
    });
    const nodes = rollouts.edges.map((e) => e.node);
    const next = rollouts.pageInfo.hasNextPage ? rollouts.pageInfo.endCursor : null;
    if (args.flags['json'] === true) return io.out(json({ rollouts: nodes, nextCursor: next }));
    if (!nodes.length) return io.out('No rollouts.');
    const rows = nodes.map((r) => {
      const p = r.waves
        .map(waveProgress)
        .reduce((a, b) => ({ done: a.done + b.done, failed: a.failed + b.failed, total: a.total + b.total }), {
          done: 0,
          failed: 0,
          total: 0,
        });
      return [
        r.id,
        r.revision.slice(0, 12),
        r.phase,
        `${p.done}/${p.total}${p.failed ? ` (${p.failed} failed)` : ''}`,
        r.trigger,
        r.actor,
        ago(r.createdAt),
      ];
    });
    io.out(table(['ID', 'REVISION', 'PHASE', 'CLUSTERS', 'TRIGGER', 'ACTOR', 'CREATED'], rows));
    if (next) io.out(`\nNext page: --after ${next}`);
  },
};
