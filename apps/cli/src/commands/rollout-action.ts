/** The shared shape of `rollout pause|resume|rollback|abort ID`: one mutation on one rollout. */
import type { Command } from '../command.js';
import { json } from '../output.js';
import { renderRollout, ROLLOUT_FIELDS, type RolloutView } from './rollout-view.js';

export function rolloutAction(opts: { verb: string; mutation: string; summary: string; done: string }): Command {
  return {
    path: ['rollout', opts.verb],
    summary: opts.summary,
    positionals: [{ name: 'ID', help: 'rollout id (see `flotilla rollout list`)', required: true }],
    flags: { json: { type: 'boolean', help: 'print JSON' } },
    async run({ io, args, client }) {
      const data = await client().request<Record<string, RolloutView>>(
        `mutation($id: ID!) { ${opts.mutation}(id: $id) { ${ROLLOUT_FIELDS} } }`,
        { id: args.positionals[0] },
      );
      const r = data[opts.mutation]!;
      io.out(args.flags['json'] === true ? json(r) : `${opts.done} rollout ${r.id}.\n${renderRollout(r)}`);
    },
  };
}
