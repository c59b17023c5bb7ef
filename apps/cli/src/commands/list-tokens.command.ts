/** `flotilla tokens list`: every registration token with its state (never a secret). */
import type { Command } from '../command.js';
import { ago, json, list, table } from '../output.js';
import { TOKEN_FIELDS, tokenState, type TokenView } from './token-fields.js';

export const listTokensCommand: Command = {
  path: ['tokens', 'list'],
  summary: 'List registration tokens and whether they are active, used up, expired or revoked',
  positionals: [],
  flags: { json: { type: 'boolean', help: 'print JSON' } },
  async run({ io, args, client }) {
    const { registrationTokens } = await client().request<{ registrationTokens: TokenView[] }>(
      `query { registrationTokens { ${TOKEN_FIELDS} } }`,
    );
    if (args.flags['json'] === true) {
      io.out(json(registrationTokens.map((t) => ({ ...t, state: tokenState(t) }))));
      return;
    }
    if (registrationTokens.length === 0) {
      io.out('No registration tokens.');
      return;
    }
    const rows = registrationTokens.map((t) => [
      t.id,
      t.name,
      list(t.tags),
      `${t.usedCount}/${t.maxUses}`,
      tokenState(t),
      ago(t.expiresAt),
    ]);
    io.out(table(['ID', 'NAME', 'TAGS', 'USES', 'STATE', 'EXPIRES'], rows));
  },
};
