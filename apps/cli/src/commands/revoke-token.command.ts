/** `flotilla tokens revoke ID`: no agent can register with that token any more. */
import type { Command } from '../command.js';
import { json } from '../output.js';
import { TOKEN_FIELDS, type TokenView } from './token-fields.js';

const MUTATION = `mutation($id: ID!) { revokeRegistrationToken(id: $id) { ${TOKEN_FIELDS} } }`;

export const revokeTokenCommand: Command = {
  path: ['tokens', 'revoke'],
  summary: 'Revoke a registration token (clusters already registered keep their credentials)',
  positionals: [{ name: 'ID', help: 'token id (see `flotilla tokens list`)', required: true }],
  flags: { json: { type: 'boolean', help: 'print JSON' } },
  async run({ io, args, client }) {
    const { revokeRegistrationToken: t } = await client().request<{ revokeRegistrationToken: TokenView }>(MUTATION, {
      id: args.positionals[0],
    });
    io.out(args.flags['json'] === true ? json(t) : `Revoked registration token ${t.name} (${t.id}) at ${t.revokedAt}.`);
  },
};
