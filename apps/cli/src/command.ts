/** The shape of one CLI command and what it is given to run. */
import type { FlagSpecs, ParsedArgs, PositionalSpec } from './args.js';
import type { GraphQLClient } from './client.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** All of standard input (for secrets that must not be typed as flags). */
  readStdin(): Promise<string>;
  /** Whether stdout is a terminal (live redraws only there). */
  isTty: boolean;
}

export interface CommandContext {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  args: ParsedArgs;
  /** A client for the configured control plane (flags, environment or stored login). */
  client(): GraphQLClient;
  /** Aborted on SIGINT/SIGTERM, so long-running commands can stop cleanly. */
  signal: AbortSignal;
}

export interface Command {
  /** Words that select the command, e.g. ['clusters', 'list']. */
  path: string[];
  summary: string;
  flags: FlagSpecs;
  positionals: PositionalSpec[];
  /** Extra help text shown after the flags. */
  details?: string;
  run(ctx: CommandContext): Promise<void>;
}
