/** `flotilla login`: checks a server and API token against the control plane, then stores them (0600). */
import { stringFlag } from '../args.js';
import { createClient } from '../client.js';
import type { Command } from '../command.js';
import { configPath, normaliseServer, writeLogin } from '../config.js';
import { CliError, ExitCode, usageError } from '../errors.js';

const WHO = `query { fleetSummary { clusters { total } } }`;

export const loginCommand: Command = {
  path: ['login'],
  summary: 'Store the control plane URL and an API token for later commands',
  positionals: [],
  flags: {
    'token-stdin': { type: 'boolean', help: 'read the token from standard input (keeps it out of the process list)' },
  },
  details: [
    'The token comes from --token-stdin, --token or $FLOTILLA_TOKEN; the server from --server or $FLOTILLA_SERVER.',
    'Both are checked against the control plane before anything is written. The file is',
    '$XDG_CONFIG_HOME/flotilla/config.json (else ~/.config/flotilla/config.json), mode 0600.',
    'Example: echo "$TOKEN" | flotilla login --server https://flotilla.example.com --token-stdin',
  ].join('\n'),
  async run({ io, env, args }) {
    const rawServer = stringFlag(args, 'server') ?? env['FLOTILLA_SERVER'];
    if (!rawServer) throw usageError('login needs --server URL (or $FLOTILLA_SERVER)');
    const fromFlag = stringFlag(args, 'token');
    if (args.flags['token-stdin'] === true && fromFlag)
      throw usageError('give either --token or --token-stdin, not both');
    const token =
      args.flags['token-stdin'] === true ? (await io.readStdin()).trim() : (fromFlag ?? env['FLOTILLA_TOKEN']);
    if (!token) throw usageError('login needs a token: --token-stdin, --token or $FLOTILLA_TOKEN');
    if (/\s/.test(token)) throw usageError('the token must be one word without spaces or line breaks');
    const server = normaliseServer(rawServer);
    const data = await createClient(server, token)
      .request<{ fleetSummary: { clusters: { total: number } } }>(WHO)
      .catch((error: unknown) => {
        if (error instanceof CliError && error.exitCode === ExitCode.Auth)
          throw new CliError(`login refused by ${server}: ${error.message}`, ExitCode.Auth, error.code);
        throw error;
      });
    const path = configPath(env);
    writeLogin(path, { server, token });
    io.out(`Logged in to ${server} (${data.fleetSummary.clusters.total} clusters). Saved to ${path}.`);
  },
};
