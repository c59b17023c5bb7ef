/**
 * Where the CLI finds its control plane and token: flags, then FLOTILLA_SERVER / FLOTILLA_TOKEN,
 * then the file `flotilla login` writes ($XDG_CONFIG_HOME/flotilla/config.json, else
 * ~/.config/flotilla/config.json; directory 0700, file 0600, replaced atomically).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, ExitCode } from './errors.js';

export interface StoredLogin {
  server: string;
  token: string;
}

export function configPath(env: NodeJS.ProcessEnv): string {
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(base, 'flotilla', 'config.json');
}

export function readLogin(path: string): Partial<StoredLogin> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read the config file ${path}: ${(error as Error).message}`);
  }
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    return {
      ...(typeof doc['server'] === 'string' ? { server: doc['server'] } : {}),
      ...(typeof doc['token'] === 'string' ? { token: doc['token'] } : {}),
    };
  } catch {
    throw new CliError(`the config file ${path} is not valid JSON: run \`flotilla login\` again`);
  }
}

export function writeLogin(path: string, login: StoredLogin): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Normalises and checks a server URL given by the user. */
export function normaliseServer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(
      `server ${JSON.stringify(raw)} is not a URL (expected e.g. http://localhost:3000)`,
      ExitCode.Usage,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`server ${raw} must be an http(s) URL`, ExitCode.Usage);
  return url.toString().replace(/\/+$/, '');
}

export interface ResolvedLogin {
  server: string;
  token: string;
}

/** Flags beat the environment, which beats the stored login. */
export function resolveLogin(flags: { server?: string; token?: string }, env: NodeJS.ProcessEnv): ResolvedLogin {
  const stored = flags.server && flags.token ? {} : readLogin(configPath(env));
  const server = flags.server ?? (env['FLOTILLA_SERVER'] || undefined) ?? stored.server;
  const token = flags.token ?? (env['FLOTILLA_TOKEN'] || undefined) ?? stored.token;
  if (!server)
    throw new CliError(
      'no control plane configured: run `flotilla login --server URL`, or set FLOTILLA_SERVER',
      ExitCode.Usage,
    );
  if (!token) throw new CliError('no API token: run `flotilla login`, or set FLOTILLA_TOKEN', ExitCode.Auth);
  return { server: normaliseServer(server), token };
}
