/** Dispatch: pick the command named by the leading words, parse its flags, run it, map errors to exit codes. */
import { parseCommandArgs, stringFlag } from './args.js';
import { createClient, type GraphQLClient } from './client.js';
import type { CliIo, Command } from './command.js';
import { commands } from './commands/index.js';
import { resolveLogin } from './config.js';
import { CliError, ExitCode } from './errors.js';
import { commandHelp, overviewHelp } from './help.js';

function findCommand(argv: string[]): { command?: Command; words: string[] } {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => words[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return { command: best, words };
}

export async function run(argv: string[], io: CliIo, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<ExitCode> {
  try {
    const { command, words } = findCommand(argv);
    if (!command) {
      const group = words.length && commands.some((c) => c.path[0] === words[0]) ? [words[0]!] : [];
      const wantsHelp = argv.length === 0 || argv.includes('--help') || argv.includes('-h');
      if (wantsHelp && words.length <= group.length) {
        io.out(overviewHelp(commands, group));
        return ExitCode.Ok;
      }
      io.err(
        `flotilla: unknown command ${JSON.stringify(words.join(' ') || argv[0])}\n\n${overviewHelp(commands, group)}`,
      );
      return ExitCode.Usage;
    }
    const args = parseCommandArgs(argv.slice(command.path.length), command.flags, command.positionals);
    if (args.flags['help'] === true) {
      io.out(commandHelp(command));
      return ExitCode.Ok;
    }
    let client: GraphQLClient | undefined;
    await command.run({
      io,
      env,
      args,
      signal,
      client: () => {
        if (!client) {
          const login = resolveLogin({ server: stringFlag(args, 'server'), token: stringFlag(args, 'token') }, env);
          client = createClient(login.server, login.token);
        }
        return client;
      },
    });
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`flotilla: ${error.message}`);
      if (error.exitCode === ExitCode.Usage && !error.code) io.err('Run with --help for usage.');
      return error.exitCode;
    }
    io.err(`flotilla: unexpected error: ${(error as Error).stack ?? String(error)}`);
    return ExitCode.Failure;
  }
}
