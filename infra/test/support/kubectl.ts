/** The pinned real kubectl (scripts/setup-kubectl.mjs): render kustomizations and talk to a kube-sim. */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

export async function kubectlPath(): Promise<string> {
  const mod = (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'setup-kubectl.mjs')).href)) as {
    ensureKubectl: () => string;
  };
  return mod.ensureKubectl();
}

export function kubectl(bin: string, args: string[], opts: { input?: string } = {}): Promise<string> {
  return new Promise((res, rej) => {
    const child = execFile(bin, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`kubectl ${args.join(' ')} failed: ${stderr || err.message}`));
      else res(stdout);
    });
    child.stdin?.end(opts.input ?? '');
  });
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: any;
}

export function parseObjects(yamlText: string): KubeObject[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

export const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
export const one = (objects: KubeObject[], kind: string, name?: string) => {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found)
    throw new Error(
      `no ${kind}${name ? ` ${name}` : ''} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
};

/**
 * kubectl as the cluster's admin against a kube-sim that checks service-account tokens: kubectl
 * sends no bearer token to a plain-http server, so authentication is off for the length of each
 * command and `tokens` are accepted again after it.
 */
export function adminKubectl(
  bin: string,
  sim: { kubeconfigPath: string; setTokens(tokens: string[] | undefined): void },
  cacheDir: string,
  tokens: string[],
) {
  return async (args: string[]): Promise<string> => {
    sim.setTokens(undefined);
    try {
      return await kubectl(bin, ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', cacheDir, ...args]);
    } finally {
      sim.setTokens(tokens);
    }
  };
}
