/** `flotilla tokens create`: a registration token for agents; its secret is printed once. */
import { intFlag, listFlag, parseDuration, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../errors.js';
import { json, keyValues, list } from '../output.js';
import { TOKEN_FIELDS, type TokenView } from './token-fields.js';

const MUTATION = `mutation($input: CreateRegistrationTokenInput!) {
  createRegistrationToken(input: $input) { token registrationToken { ${TOKEN_FIELDS} } }
}`;

export const createTokenCommand: Command = {
  path: ['tokens', 'create'],
  summary: 'Create a registration token (the secret is shown once)',
  positionals: [],
  flags: {
    name: { type: 'string', required: true, value: 'NAME', help: 'what the token is for' },
    tag: {
      type: 'string',
      multiple: true,
      value: 'TAG',
      help: 'tag given to every cluster registered with it (repeat or comma-separate)',
    },
    'expires-in': {
      type: 'string',
      value: 'DURATION',
      help: 'lifetime: seconds or 30m, 12h, 7d, 2w (default 24h; 1m to 365d)',
    },
    'max-uses': { type: 'string', value: 'N', help: 'how many clusters may register with it (default 1)' },
    'cluster-name': { type: 'string', value: 'NAME', help: 'only a cluster of exactly this name may register with it' },
    'require-approval': {
      type: 'boolean',
      help: 'clusters registered with it wait for `flotilla clusters approve` (default: the hub policy)',
    },
    json: { type: 'boolean', help: 'print JSON (includes the secret)' },
  },
  async run({ io, args, client }) {
    const expiresIn = parseDuration('expires-in', stringFlag(args, 'expires-in') ?? '24h');
    if (expiresIn < 60 || expiresIn > 31_536_000)
      throw usageError(`--expires-in must be between 1m and 365d, got ${expiresIn}s`);
    const input = {
      name: stringFlag(args, 'name')!,
      tags: listFlag(args, 'tag'),
      expiresIn,
      maxUses: intFlag(args, 'max-uses', { min: 1, max: 100_000, fallback: 1 }),
      ...(stringFlag(args, 'cluster-name') ? { clusterName: stringFlag(args, 'cluster-name') } : {}),
      ...(args.flags['require-approval'] === true ? { requireApproval: true } : {}),
    };
    const { createRegistrationToken: created } = await client().request<{
      createRegistrationToken: { token: string; registrationToken: TokenView };
    }>(MUTATION, { input });
    const t = created.registrationToken;
    if (args.flags['json'] === true) {
      io.out(json({ token: created.token, registrationToken: t }));
      return;
    }
    io.out(
      keyValues([
        ['ID', t.id],
        ['Name', t.name],
        ['Tags', list(t.tags)],
        ['Max uses', String(t.maxUses)],
        ['Cluster name', t.clusterName ?? 'any'],
        ['Approval', t.requireApproval ? 'required' : 'not required'],
        ['Expires', t.expiresAt],
      ]),
    );
    io.out(`\nSecret (shown only now; give it to the agent as FLOTILLA_TOKEN):\n${created.token}`);
  },
};
