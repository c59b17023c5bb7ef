/** `flotilla clusters show NAME`: one cluster's state, facts and tags. */
import type { Command } from '../command.js';
import { CliError, ExitCode } from '../errors.js';
import { ago, json, keyValues, list } from '../output.js';
import { CLUSTER_DETAIL_FIELDS, shortRev, type ClusterView } from './cluster-fields.js';

const QUERY = `query($name: String!) { cluster(name: $name) { ${CLUSTER_DETAIL_FIELDS} } }`;

function lastSync(r: ClusterView['sync']['lastResult']): string {
  if (!r) return 'none reported';
  const base = `${r.state} ${ago(r.finishedAt)} in ${r.durationMs}ms`;
  return r.error
    ? `${base}: ${r.error.stage} ${r.error.code}: ${r.error.reason}${r.error.file ? ` (${r.error.file})` : ''}`
    : base;
}

export const showClusterCommand: Command = {
  path: ['clusters', 'show'],
  summary: "Show one cluster's connection state, tags and facts",
  positionals: [{ name: 'NAME', help: 'cluster name', required: true }],
  flags: { json: { type: 'boolean', help: 'print JSON' } },
  async run({ io, args, client }) {
    const name = args.positionals[0]!;
    const { cluster: c } = await client().request<{ cluster: ClusterView | null }>(QUERY, { name });
    if (!c) throw new CliError(`no cluster named ${JSON.stringify(name)}`, ExitCode.NotFound);
    if (args.flags['json'] === true) {
      io.out(json(c));
      return;
    }
    io.out(
      keyValues([
        ['Name', c.name],
        ['ID', c.id],
        ['State', c.connection],
        ['Admission', c.admission ?? '-'],
        ['Credential', c.credentialExpiresAt ? `expires ${c.credentialExpiresAt}` : '-'],
        ['Tags', list(c.tags)],
        ['Last seen', c.lastSeenAt ? `${c.lastSeenAt} (${ago(c.lastSeenAt)})` : 'never'],
        ['Registered', c.registeredAt],
        ['Kubernetes', c.facts.kubeVersion],
        ['Nodes', String(c.facts.nodeCount)],
        ['Provider', c.facts.provider],
        ['Region', c.facts.region],
        ['Agent', c.facts.agentVersion],
        ['Sync', `${c.sync.state} (desired ${shortRev(c.sync.revision)}, running ${shortRev(c.sync.appliedRevision)})`],
        ['Health', c.sync.health],
        [
          'Path',
          `${c.sync.path ?? '-'} on ${c.sync.branch ?? '-'} (prune ${c.sync.prune ? 'on' : 'off'}, self-heal ${c.sync.selfHeal ? 'on' : 'off'})`,
        ],
        ['Last sync', lastSync(c.sync.lastResult)],
      ]),
    );
  },
};
