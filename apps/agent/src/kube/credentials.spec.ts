import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecCredentialPlugin, TOKEN_FILE_MAX_AGE_MS, TokenFile, type ExecConfig } from './credentials.js';
import { loadKubeconfig } from './kubeconfig.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kube-cred-'));
  dirs.push(d);
  return d;
}

/**
 * A real exec plugin (a Node script): counts its runs in a file, answers with token `tok-<run>`,
 * an expiry `EXPIRES_IN_S` seconds ahead (none when unset), and echoes what it was given.
 */
function plugin(dir: string, body?: string): string {
  const path = join(dir, 'plugin.mjs');
  writeFileSync(
    path,
    `#!/usr/bin/env node
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const countFile = ${JSON.stringify(join(dir, 'runs'))};
const n = (existsSync(countFile) ? Number(readFileSync(countFile, 'utf8')) : 0) + 1;
writeFileSync(countFile, String(n));
writeFileSync(${JSON.stringify(join(dir, 'info'))}, JSON.stringify({ info: process.env.KUBERNETES_EXEC_INFO, extra: process.env.EXTRA, args: process.argv.slice(2) }));
${
  body ??
  `const status = { token: 'tok-' + n };
if (process.env.EXPIRES_IN_S) status.expirationTimestamp = new Date(Date.now() + Number(process.env.EXPIRES_IN_S) * 1000).toISOString();
console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status }));`
}
`,
  );
  chmodSync(path, 0o755);
  return path;
}

const execConfig = (command: string, extra: Partial<ExecConfig> = {}): ExecConfig => ({
  apiVersion: 'client.authentication.k8s.io/v1',
  command,
  args: ['--flag'],
  env: [{ name: 'EXTRA', value: 'from-kubeconfig' }],
  interactiveMode: 'Never',
  ...extra,
});

describe('TokenFile', () => {
  it('reads the file again after a minute and at once after a 401', async () => {
    const dir = tmp();
    const path = join(dir, 'token');
    writeFileSync(path, 'first\n');
    let now = 1_000;
    const source = new TokenFile(path, () => now);
    expect(await source.token()).toBe('first');
    writeFileSync(path, 'second\n');
    now += TOKEN_FILE_MAX_AGE_MS - 1;
    expect(await source.token()).toBe('first');
    now += 1;
    expect(await source.token()).toBe('second');
    writeFileSync(path, 'third');
    expect(source.invalidate()).toBe(true);
    expect(await source.token()).toBe('third');
  });

  it('names a missing or empty file', async () => {
    const dir = tmp();
    await expect(new TokenFile(join(dir, 'nope')).token()).rejects.toThrow(/cannot read the token file .*nope/);
    writeFileSync(join(dir, 'empty'), '\n');
    await expect(new TokenFile(join(dir, 'empty')).token()).rejects.toThrow(/token file .*empty is empty/);
  });
});

describe('ExecCredentialPlugin', () => {
  const cluster = { server: 'https://example.invalid:6443', 'certificate-authority-data': 'Q0E=' };

  it('runs the plugin with its args, env and KUBERNETES_EXEC_INFO, and caches a token without expiry until a 401', async () => {
    const dir = tmp();
    const source = new ExecCredentialPlugin(execConfig(plugin(dir), { provideClusterInfo: true }), cluster);
    const [a, b] = await Promise.all([source.token(), source.token()]);
    expect([a, b]).toEqual(['tok-1', 'tok-1']);
    expect(await source.token()).toBe('tok-1');
    const seen = JSON.parse(readFileSync(join(dir, 'info'), 'utf8')) as { info: string; extra: string; args: string[] };
    expect(seen.extra).toBe('from-kubeconfig');
    expect(seen.args).toEqual(['--flag']);
    expect(JSON.parse(seen.info)).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        cluster: { server: cluster.server, 'insecure-skip-tls-verify': false, 'certificate-authority-data': 'Q0E=' },
      },
    });
    source.invalidate();
    expect(await source.token()).toBe('tok-2');
  });

  it('runs the plugin again when its token is about to expire', async () => {
    const dir = tmp();
    process.env['EXPIRES_IN_S'] = '60';
    try {
      let now = Date.now();
      const limits = { timeoutMs: 30_000, maxOutputBytes: 1 << 20, refreshBeforeMs: 10_000 };
      const source = new ExecCredentialPlugin(execConfig(plugin(dir)), cluster, limits, () => now);
      expect(await source.token()).toBe('tok-1');
      now += 45_000;
      expect(await source.token()).toBe('tok-1');
      now += 10_000; // 55 s: within 10 s of expiry
      expect(await source.token()).toBe('tok-2');
    } finally {
      delete process.env['EXPIRES_IN_S'];
    }
  });

  it('names what went wrong: a failing plugin, bad output, a certificate only, a hang', async () => {
    const dir = tmp();
    const failing = plugin(dir, "console.error('no credentials configured'); process.exit(3);");
    await expect(
      new ExecCredentialPlugin(execConfig(failing, { installHint: 'install it' }), cluster).token(),
    ).rejects.toThrow(/plugin .* failed: .*no credentials configured \(install it\)/);
    const garbage = plugin(tmp(), 'console.log(\'{"kind":"Nope"}\');');
    await expect(new ExecCredentialPlugin(execConfig(garbage), cluster).token()).rejects.toThrow(
      /printed no valid ExecCredential: .*kind/,
    );
    const certOnly = plugin(
      tmp(),
      "console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { clientCertificateData: 'x', clientKeyData: 'y' } }));",
    );
    await expect(new ExecCredentialPlugin(execConfig(certOnly), cluster).token()).rejects.toThrow(
      /gave a client certificate; the agent takes a token only/,
    );
    const wrongVersion = plugin(tmp());
    await expect(
      new ExecCredentialPlugin(
        execConfig(wrongVersion, { apiVersion: 'client.authentication.k8s.io/v1beta1' }),
        cluster,
      ).token(),
    ).rejects.toThrow(/answered client.authentication.k8s.io\/v1, the kubeconfig asks for .*v1beta1/);
    const hang = plugin(tmp(), 'setInterval(() => {}, 1000);');
    const limits = { timeoutMs: 300, maxOutputBytes: 1 << 20, refreshBeforeMs: 0 };
    await expect(new ExecCredentialPlugin(execConfig(hang), cluster, limits).token()).rejects.toThrow(
      /did not answer within 300 ms/,
    );
    expect(() => new ExecCredentialPlugin(execConfig(hang, { interactiveMode: 'Always' }), cluster)).toThrow(
      /interactiveMode Always/,
    );
  });
});

describe('loadKubeconfig', () => {
  function kubeconfig(dir: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
    const path = join(dir, 'config');
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'main',
        contexts: [
          { name: 'main', context: { cluster: 'c', user: 'u' } },
          { name: 'other', context: { cluster: 'c2', user: 'u' } },
        ],
        clusters: [
          { name: 'c', cluster: { server: 'https://main.example:6443/', ...cluster } },
          { name: 'c2', cluster: { server: 'https://other.example:6443' } },
        ],
        users: [{ name: 'u', user }],
      }),
    );
    return path;
  }

  it('resolves file paths and a relative exec command against the kubeconfig folder', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    writeFileSync(join(dir, 'token'), 'from-file\n');
    const fromFile = loadKubeconfig(kubeconfig(dir, { tokenFile: 'token' }, { 'certificate-authority': 'ca.crt' }));
    expect(fromFile.ca?.toString()).toBe('CA');
    expect(await fromFile.bearer?.token()).toBe('from-file');
    expect(fromFile.server).toBe('https://main.example:6443');
    plugin(dir);
    const viaExec = loadKubeconfig(kubeconfig(dir, { exec: { ...execConfig('./plugin.mjs'), env: null } }));
    expect(await viaExec.bearer?.token()).toBe('tok-1');
  });

  it('takes a named context, and names the ones there are when it is missing', () => {
    const dir = tmp();
    const path = kubeconfig(dir, { token: 't' });
    expect(loadKubeconfig(path, { context: 'other' }).server).toBe('https://other.example:6443');
    expect(() => loadKubeconfig(path, { context: 'prod' })).toThrow(
      /no context named "prod" \(contexts: main, other\)/,
    );
  });

  it('keeps tls-server-name, and refuses what it cannot honour at start', () => {
    const dir = tmp();
    expect(loadKubeconfig(kubeconfig(dir, { token: 't' }, { 'tls-server-name': 'api.internal' })).tlsServerName).toBe(
      'api.internal',
    );
    expect(() => loadKubeconfig(kubeconfig(dir, { 'auth-provider': { name: 'gcp' } }))).toThrow(
      /user u sets auth-provider: .*removed in Kubernetes 1.26.*exec/,
    );
    expect(() => loadKubeconfig(kubeconfig(dir, { token: 't' }, { 'proxy-url': 'http://proxy:3128' }))).toThrow(
      /cluster c sets proxy-url/,
    );
    expect(() => loadKubeconfig(kubeconfig(dir, { exec: { command: 'x' } }))).toThrow(/user\.exec: apiVersion/);
  });
});
