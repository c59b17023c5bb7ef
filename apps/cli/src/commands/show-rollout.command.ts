/** `flotilla rollout status [ID] [--watch]`: a rollout's waves as progress bars, live with --watch. */
import type { Command } from '../command.js';
import { CliError, ExitCode } from '../errors.js';
import { json } from '../output.js';
import { fetchRollout, watchRollout } from './rollout-watch.js';
import { renderRollout } from './rollout-view.js';

export const showRolloutCommand: Command = {
  path: ['rollout', 'status'],
  summary: 'Show a rollout (the newest when no ID is given); --watch follows it to the end',
  positionals: [{ name: 'ID', help: 'rollout id (see `flotilla rollout list`)' }],
  flags: {
    watch: {
      type: 'boolean',
      short: 'w',
      help: 'live progress bars until the rollout finishes (exit 1 unless it SUCCEEDED)',
    },
    json: { type: 'boolean', help: 'print JSON (not with --watch)' },
  },
  async run(ctx) {
    const { io, args, client } = ctx;
    if (args.flags['watch'] === true && args.flags['json'] === true)
      throw new CliError('--watch and --json cannot be combined', ExitCode.Usage);
    let id = args.positionals[0];
    if (!id) {
      const { rollouts } = await client().request<{ rollouts: { edges: { node: { id: string } }[] } }>(
        'query { rollouts(first: 1) { edges { node { id } } } }',
      );
      id = rollouts.edges[0]?.node.id;
      if (!id) throw new CliError('there are no rollouts yet', ExitCode.NotFound);
    }
    if (args.flags['watch'] === true) return watchRollout(ctx, id);
    const rollout = await fetchRollout(ctx, id);
    io.out(args.flags['json'] === true ? json(rollout) : renderRollout(rollout));
  },
};
