/** `flotilla rollout start --tag … --revision …`: roll a commit out, in waves, to clusters selected by tag. */
import { listFlag, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../errors.js';
import { json } from '../output.js';
import { watchRollout } from './rollout-watch.js';
import { renderRollout, ROLLOUT_FIELDS, type RolloutView } from './rollout-view.js';

const MUTATION = `mutation($input: StartRolloutInput!) { startRollout(input: $input) { ${ROLLOUT_FIELDS} } }`;

export const startRolloutCommand: Command = {
  path: ['rollout', 'start'],
  summary: "Roll a revision out to the clusters matching tags, in fleet.yaml's waves",
  positionals: [],
  flags: {
    revision: { type: 'string', required: true, value: 'SHA', help: 'full commit SHA on the tracked branch' },
    tag: {
      type: 'string',
      multiple: true,
      value: 'TAG',
      help: 'clusters must have every one of these tags (repeat or comma-separate)',
    },
    'any-tag': { type: 'string', multiple: true, value: 'TAG', help: 'clusters must have at least one of these tags' },
    'exclude-tag': {
      type: 'string',
      multiple: true,
      value: 'TAG',
      help: 'clusters with any of these tags are left out',
    },
    'on-failure': { type: 'string', value: 'ACTION', help: "rollback or pause (default: fleet.yaml's)" },
    watch: { type: 'boolean', short: 'w', help: 'then follow it live until it finishes' },
    json: { type: 'boolean', help: 'print JSON' },
  },
  async run(ctx) {
    const { io, args, client } = ctx;
    const selector = {
      allOf: listFlag(args, 'tag'),
      anyOf: listFlag(args, 'any-tag'),
      noneOf: listFlag(args, 'exclude-tag'),
    };
    if (!selector.allOf.length && !selector.anyOf.length)
      throw usageError('give at least one --tag or --any-tag to select clusters');
    const onFailure = stringFlag(args, 'on-failure');
    if (onFailure !== undefined && !['rollback', 'pause'].includes(onFailure.toLowerCase()))
      throw usageError(`--on-failure must be rollback or pause, got ${JSON.stringify(onFailure)}`);
    const input = {
      revision: stringFlag(args, 'revision')!,
      selector: Object.fromEntries(Object.entries(selector).filter(([, v]) => v.length)),
      ...(onFailure ? { onFailure: onFailure.toUpperCase() } : {}),
    };
    const { startRollout: r } = await client().request<{ startRollout: RolloutView }>(MUTATION, { input });
    if (args.flags['json'] === true) io.out(json(r));
    else io.out(`${renderRollout(r)}\n`);
    if (args.flags['watch'] === true) await watchRollout(ctx, r.id);
  },
};
