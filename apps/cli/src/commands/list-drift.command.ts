/** `flotilla drift list`: changes made to managed objects by someone other than the agent, newest first. */
import { intFlag, parseDuration, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import { ago, json, list, table } from '../output.js';

const QUERY = `query($filter: DriftEventsFilterInput, $first: Int!, $after: String) {
  driftEvents(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id clusterName detectedAt fields managers message resolution revertLatencyMs revertedAt revision object { apiVersion kind namespace name } } }
  }
}`;

interface DriftView {
  id: string;
  clusterName: string;
  detectedAt: string;
  fields: string[];
  managers: string[];
  message: string | null;
  resolution: string;
  revertLatencyMs: number | null;
  revertedAt: string | null;
  revision: string;
  object: { apiVersion: string; kind: string; namespace: string | null; name: string };
}

const RESOLUTIONS = ['reverted', 'reported', 'revert-failed'];

/** --since: a duration back from now (30m, 2h, 7d) or an ISO date-time. */
function since(raw: string): string {
  if (/^\d+[smhdw]?$/.test(raw)) return new Date(Date.now() - parseDuration('since', raw) * 1000).toISOString();
  const t = Date.parse(raw);
  if (Number.isNaN(t))
    throw usageError(`--since must be a duration like 2h or 7d, or a date-time, got ${JSON.stringify(raw)}`);
  return new Date(t).toISOString();
}

export const listDriftCommand: Command = {
  path: ['drift', 'list'],
  summary: 'List drift: changes to managed objects made outside Git, and whether they were reverted',
  positionals: [],
  flags: {
    cluster: { type: 'string', value: 'NAME', help: 'only this cluster' },
    resolution: { type: 'string', value: 'R', help: `${RESOLUTIONS.join(', ')}` },
    since: { type: 'string', value: 'WHEN', help: 'only drift detected since then: 2h, 7d, or a date-time' },
    limit: { type: 'string', value: 'N', help: 'events per page, 1-500 (default 50)' },
    after: { type: 'string', value: 'CURSOR', help: 'start after this cursor' },
    json: { type: 'boolean', help: 'print JSON' },
  },
  async run({ io, args, client }) {
    const resolution = stringFlag(args, 'resolution')?.toLowerCase();
    if (resolution !== undefined && !RESOLUTIONS.includes(resolution))
      throw usageError(`--resolution must be one of ${RESOLUTIONS.join(', ')}, got ${JSON.stringify(resolution)}`);
    const sinceFlag = stringFlag(args, 'since');
    const first = intFlag(args, 'limit', { min: 1, max: 500, fallback: 50 });
    const filter: Record<string, string> = {};
    if (resolution) filter['resolution'] = resolution.toUpperCase().replace('-', '_');
    if (sinceFlag) filter['since'] = since(sinceFlag);
    const clusterName = stringFlag(args, 'cluster');
    if (clusterName) {
      const { cluster } = await client().request<{ cluster: { id: string } | null }>(
        'query($name: String!) { cluster(name: $name) { id } }',
        { name: clusterName },
      );
      if (!cluster) throw new CliError(`no cluster named ${JSON.stringify(clusterName)}`, ExitCode.NotFound);
      filter['clusterId'] = cluster.id;
    }
    const { driftEvents } = await client().request<{
      driftEvents: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: DriftView }[] };
    }>(QUERY, {
      filter,
      first,
      after: stringFlag(args, 'after') ?? null,
    });
    const nodes = driftEvents.edges.map((e) => e.node);
    const next = driftEvents.pageInfo.hasNextPage ? driftEvents.pageInfo.endCursor : null;
    if (args.flags['json'] === true) return io.out(json({ driftEvents: nodes, nextCursor: next }));
    if (!nodes.length) return io.out('No drift.');
    const rows = nodes.map((d) => [
      ago(d.detectedAt),
      d.clusterName,
      `${d.object.kind}/${d.object.namespace ? `${d.object.namespace}/` : ''}${d.object.name}`,
      list(d.fields),
      list(d.managers),
      d.resolution + (d.revertLatencyMs !== null ? ` in ${d.revertLatencyMs}ms` : ''),
    ]);
    io.out(table(['DETECTED', 'CLUSTER', 'OBJECT', 'FIELDS', 'BY', 'RESOLUTION'], rows));
    if (next) io.out(`\nNext page: --after ${next}`);
  },
};
