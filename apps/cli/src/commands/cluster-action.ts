/** The shared shape of `clusters approve|suspend|resume NAME`: one admission mutation on one cluster. */
import type { Command } from '../command.js';
import { CliError, ExitCode } from '../errors.js';
import { json } from '../output.js';

interface AdmissionView {
  id: string;
  name: string;
  admission: string;
}

export function clusterAction(opts: { verb: string; mutation: string; summary: string; done: string }): Command {
  return {
    path: ['clusters', opts.verb],
    summary: opts.summary,
    positionals: [{ name: 'NAME', help: 'cluster name', required: true }],
    flags: { json: { type: 'boolean', help: 'print JSON' } },
    async run({ io, args, client }) {
      const name = args.positionals[0]!;
      const { cluster } = await client().request<{ cluster: { id: string } | null }>(
        'query($name: String!) { cluster(name: $name) { id } }',
        { name },
      );
      if (!cluster) throw new CliError(`no cluster named ${JSON.stringify(name)}`, ExitCode.NotFound);
      const data = await client().request<Record<string, AdmissionView>>(
        `mutation($id: ID!) { ${opts.mutation}(id: $id) { id name admission } }`,
        { id: cluster.id },
      );
      const c = data[opts.mutation]!;
      io.out(args.flags['json'] === true ? json(c) : `${opts.done} cluster ${c.name}: ${c.admission}.`);
    },
  };
}

export const approveClusterCommand = clusterAction({
  verb: 'approve',
  mutation: 'approveCluster',
  summary: 'Approve a cluster that is AWAITING_APPROVAL: it gets desired state from now on (admin)',
  done: 'Approved',
});
export const suspendClusterCommand = clusterAction({
  verb: 'suspend',
  mutation: 'suspendCluster',
  summary: "Suspend a cluster: its agent's credentials are revoked and it is cut off until resumed (admin)",
  done: 'Suspended',
});
export const resumeClusterCommand = clusterAction({
  verb: 'resume',
  mutation: 'resumeCluster',
  summary: 'Resume a suspended cluster: its agent renews its credential and rejoins (admin)',
  done: 'Resumed',
});
