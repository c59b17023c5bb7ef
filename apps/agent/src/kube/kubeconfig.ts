/**
 * kube/: the agent's own small Kubernetes API client (node:http(s), keep-alive, JSON). It loads
 * only what the agent uses — a process importing all of @kubernetes/client-node sits near 125 MiB.
 * This file reads the current context of a kubeconfig: server, bearer token or client cert, CA.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AgentError, ErrorCode } from '../errors.js';

export interface KubeEndpoint {
  server: string;
  token?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify: boolean;
}

type Named<T> = { name: string } & T;
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Named<{ context: { cluster: string; user?: string } }>[];
  clusters?: Named<{ cluster: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
}

function bytes(inline: unknown, file: unknown): Buffer | undefined {
  if (typeof inline === 'string') return Buffer.from(inline, 'base64');
  if (typeof file === 'string') return readFileSync(file);
  return undefined;
}

export function loadKubeconfig(path: string): KubeEndpoint {
  let doc: KubeconfigFile;
  try {
    doc = parse(readFileSync(path, 'utf8')) as KubeconfigFile;
  } catch (error) {
    throw new AgentError(`cannot read the kubeconfig ${path}: ${(error as Error).message}`, ErrorCode.InvalidConfig, {
      path,
    });
  }
  const ctxName = doc['current-context'];
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context;
  const cluster = doc.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  if (!ctx || !cluster || typeof cluster['server'] !== 'string') {
    throw new AgentError(`kubeconfig ${path}: no current context with a cluster server`, ErrorCode.InvalidConfig, {
      path,
    });
  }
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const tokenFile = user['tokenFile'];
  return {
    server: cluster['server'].replace(/\/+$/, ''),
    token:
      typeof user['token'] === 'string'
        ? user['token']
        : typeof tokenFile === 'string'
          ? readFileSync(tokenFile, 'utf8').trim()
          : undefined,
    ca: bytes(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: bytes(user['client-certificate-data'], user['client-certificate']),
    key: bytes(user['client-key-data'], user['client-key']),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
  };
}
