/**
 * `flotilla diff --cluster NAME --revision REV`: what that fleet repository revision would change on
 * the cluster. Without `--cluster`: the blast radius — every cluster the revision changes, and how.
 */
import type { Command } from '../command.js';
import { CliError, ExitCode } from '../errors.js';
import { json } from '../output.js';
import { formatDiff, formatFleetDiff, wantsColor, type ClusterDiffView, type FleetDiffView } from './diff-view.js';

const QUERY = `query($cluster: String!, $revision: String!) {
  clusterDiff(cluster: $cluster, revision: $revision) {
    cluster path fromRevision toRevision
    renderError { code file reason revision }
    warnings
    objects { apiVersion kind namespace name change diff }
  }
}`;

const FLEET_QUERY = `query($revision: String!) {
  fleetDiff(revision: $revision) {
    toRevision clusters unchanged failed
    entries {
      cluster path fromRevision toRevision added changed removed warnings
      renderError { code file reason revision }
      objects { apiVersion kind namespace name change diff }
    }
  }
}`;

export const diffCommand: Command = {
  path: ['diff'],
  summary:
    'Show what a revision would change on a cluster, object by object, or (without --cluster) which clusters it changes',
  positionals: [],
  flags: {
    cluster: {
      type: 'string',
      value: 'NAME',
      help: 'cluster name or id; without it, every cluster (the blast radius)',
    },
    revision: {
      type: 'string',
      value: 'REV',
      required: true,
      help: 'commit SHA, short SHA or branch of the fleet repository (a branch not merged yet is fetched)',
    },
    details: { type: 'boolean', help: "with the fleet form: print each changed cluster's object diffs too" },
    json: { type: 'boolean', help: 'print JSON' },
  },
  details:
    'Prints "no changes" when the revision renders the same objects. Secret values are never shown. A revision that does not render exits 1 naming the file (the fleet form: when it fails for any cluster, after listing them all). With hydration on, Helm charts are rendered as the hub renders them.',
  async run({ io, args, env, client }) {
    if (args.flags['cluster'] === undefined) {
      const { fleetDiff: f } = await client().request<{ fleetDiff: FleetDiffView }>(FLEET_QUERY, {
        revision: args.flags['revision'] as string,
      });
      if (args.flags['json'] === true) io.out(json(f));
      else io.out(formatFleetDiff(f, { color: wantsColor(io.isTty, env), details: args.flags['details'] === true }));
      if (f.failed > 0)
        throw new CliError(`revision ${f.toRevision} does not render for ${f.failed} cluster(s)`, ExitCode.Failure);
      return;
    }
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
