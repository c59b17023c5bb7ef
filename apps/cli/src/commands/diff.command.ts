/** `flotilla diff --cluster NAME --revision REV`: what that fleet repository revision would change on the cluster. */
import type { Command } from '../command.js';
import { CliError, ExitCode } from '../errors.js';
import { json } from '../output.js';
import { formatDiff, wantsColor, type ClusterDiffView } from './diff-view.js';

const QUERY = `query($cluster: String!, $revision: String!) {
  clusterDiff(cluster: $cluster, revision: $revision) {
    cluster path fromRevision toRevision
    renderError { code file reason revision }
    objects { apiVersion kind namespace name change diff }
  }
}`;

export const diffCommand: Command = {
  path: ['diff'],
  summary: 'Show what a revision would change on a cluster, object by object, against the revision it runs',
  positionals: [],
  flags: {
    cluster: { type: 'string', value: 'NAME', required: true, help: 'cluster name or id' },
    revision: {
      type: 'string',
      value: 'REV',
      required: true,
      help: 'commit SHA, short SHA or branch of the fleet repository',
    },
    json: { type: 'boolean', help: 'print JSON' },
  },
  details:
    'Prints "no changes" when the revision renders the same objects. Secret values are never shown. A revision that does not render exits 1 naming the file.',
  async run({ io, args, env, client }) {
    const vars = { cluster: args.flags['cluster'] as string, revision: args.flags['revision'] as string };
    const { clusterDiff: d } = await client().request<{ clusterDiff: ClusterDiffView }>(QUERY, vars);
    if (args.flags['json'] === true) io.out(json(d));
    if (d.renderError) {
      const e = d.renderError;
      throw new CliError(
        `revision ${e.revision} does not render: ${e.file}: ${e.reason} (${e.code})`,
        ExitCode.Failure,
      );
    }
    if (args.flags['json'] !== true) io.out(formatDiff(d, wantsColor(io.isTty, env)));
  },
};
