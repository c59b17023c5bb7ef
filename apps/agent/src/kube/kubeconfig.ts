/**
 * kube/: the agent's own small Kubernetes API client (node:http(s), keep-alive, JSON). It loads
 * only what the agent uses — a process importing all of @kubernetes/client-node sits near 125 MiB.
 * This file reads one context of a kubeconfig (the current one unless named): server, CA, client
 * certificate, `tls-server-name`, and the bearer token's source (credentials.ts). File paths and an
 * exec command with a slash in it are relative to the kubeconfig's folder, as kubectl reads them.
 * What the agent cannot honour is refused at start, naming the field.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { AgentError, ErrorCode } from '../errors.js';
import { ExecCredentialPlugin, execConfigSchema, FixedToken, TokenFile, type BearerSource } from './credentials.js';

export interface KubeEndpoint {
  server: string;
  /** Where the bearer token comes from, when the user has one. */
  bearer?: BearerSource;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify: boolean;
  /** The name checked in the server's certificate, when not the server URL's host. */
  tlsServerName?: string;
}

type Named<T> = { name: string } & T;
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Named<{ context: { cluster: string; user?: string } }>[];
  clusters?: Named<{ cluster: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
}

/** Fields the agent does not support, and why: refused at start rather than ignored. */
const REFUSED_USER_FIELDS: Record<string, string> = {
  'auth-provider':
    'auth-provider plugins were removed in Kubernetes 1.26; use the exec credential plugin of your provider',
  username: 'basic authentication was removed in Kubernetes 1.19',
  password: 'basic authentication was removed in Kubernetes 1.19',
  as: 'impersonation is not supported by the agent',
  'as-groups': 'impersonation is not supported by the agent',
};
const REFUSED_CLUSTER_FIELDS: Record<string, string> = {
  'proxy-url': 'the agent does not connect through a proxy; reach the API server directly',
};

export interface KubeconfigOptions {
  /** The context to use instead of `current-context`. */
  context?: string;
}

export function loadKubeconfig(path: string, opts: KubeconfigOptions = {}): KubeEndpoint {
  const fail = (why: string) => new AgentError(`kubeconfig ${path}: ${why}`, ErrorCode.InvalidConfig, { path });
  let doc: KubeconfigFile;
  try {
    doc = parse(readFileSync(path, 'utf8')) as KubeconfigFile;
  } catch (error) {
    throw new AgentError(`cannot read the kubeconfig ${path}: ${(error as Error).message}`, ErrorCode.InvalidConfig, {
      path,
    });
  }
  const base = dirname(resolve(path));
  const file = (p: unknown): string | undefined => (typeof p === 'string' && p ? resolve(base, p) : undefined);
  const bytes = (inline: unknown, at: unknown): Buffer | undefined => {
    if (typeof inline === 'string') return Buffer.from(inline, 'base64');
    const p = file(at);
    if (!p) return undefined;
    try {
      return readFileSync(p);
    } catch (error) {
      throw fail(`cannot read ${p}: ${(error as Error).message}`);
    }
  };

  const ctxName = opts.context ?? doc['current-context'];
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context;
  if (opts.context && !ctx) {
    const known = (doc.contexts ?? []).map((c) => c.name).join(', ') || 'none';
    throw fail(`no context named "${opts.context}" (contexts: ${known})`);
  }
  const cluster = doc.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  if (!ctx || !cluster || typeof cluster['server'] !== 'string') throw fail('no current context with a cluster server');
  for (const [field, why] of Object.entries(REFUSED_CLUSTER_FIELDS))
    if (cluster[field] !== undefined) throw fail(`cluster ${ctx.cluster} sets ${field}: ${why}`);
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  for (const [field, why] of Object.entries(REFUSED_USER_FIELDS))
    if (user[field] !== undefined) throw fail(`user ${ctx.user} sets ${field}: ${why}`);

  const tlsServerName = cluster['tls-server-name'];
  return {
    server: cluster['server'].replace(/\/+$/, ''),
    bearer: bearerSource(user, cluster, base, fail),
    ca: bytes(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: bytes(user['client-certificate-data'], user['client-certificate']),
    key: bytes(user['client-key-data'], user['client-key']),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    ...(typeof tlsServerName === 'string' && tlsServerName ? { tlsServerName } : {}),
  };
}

function bearerSource(
  user: Record<string, unknown>,
  cluster: Record<string, unknown>,
  base: string,
  fail: (why: string) => AgentError,
): BearerSource | undefined {
  if (typeof user['token'] === 'string' && user['token']) return new FixedToken(user['token']);
  if (typeof user['tokenFile'] === 'string' && user['tokenFile'])
    return new TokenFile(resolve(base, user['tokenFile']));
  if (user['exec'] === undefined) return undefined;
  const parsed = execConfigSchema.safeParse(user['exec']);
  if (!parsed.success)
    throw fail(
      `user.exec: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'exec'}: ${i.message}`).join('; ')}`,
    );
  const exec = parsed.data;
  // client-go: a command with a path separator is relative to the kubeconfig; a bare name is looked up in PATH.
  const command = exec.command.includes('/') && !isAbsolute(exec.command) ? resolve(base, exec.command) : exec.command;
  return new ExecCredentialPlugin({ ...exec, command }, cluster as { server: string });
}
