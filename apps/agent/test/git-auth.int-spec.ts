import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer } from '@flotilla/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fetcher } from '../src/source/fetcher.js';
import { webApp } from './support/manifests.js';

/** A proxy in front of the git server that wants HTTP Basic auth, as a hosted Git service does. */
function authProxy(
  target: string,
  user: string,
  password: string,
): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? '');
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const fwd = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(fwd);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${upstream.pathname}`, seen }),
    ),
  );
}

describe('source: Git credentials', () => {
  let git: GitServer;
  let proxy: Awaited<ReturnType<typeof authProxy>>;
  let dir: string;
  let rev: string;
  beforeAll(async () => {
    git = await startGitServer();
    rev = await git.commit({ files: webApp(), message: 'web' });
    proxy = await authProxy(git.url, 'x-access-token', 's3cr3t-token');
    dir = await mkdtemp(join(tmpdir(), 'git-auth-'));
  });
  afterAll(async () => {
    proxy?.server.closeAllConnections();
    proxy?.server.close();
    await git?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches with a token when the server asks for credentials', async () => {
    const artifact = await new Fetcher(join(dir, 'ok'), { token: 's3cr3t-token' }).fetch({
      repoUrl: proxy.url,
      branch: 'main',
      revision: rev,
    });
    expect(artifact.revision).toBe(rev);
    expect(await artifact.tree.readDir('clusters/edge')).toContain('namespace.yaml');
  });

  it('fails as unavailable without credentials, and never puts a credential in the error', async () => {
    const fetcher = new Fetcher(join(dir, 'bad'), { username: 'someone', password: 'wrong-password' });
    const error = await fetcher.fetch({ repoUrl: proxy.url, branch: 'main', revision: rev }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
    const logged: string[] = [];
    pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (logged.push(String(c)), cb()) })).warn(
      { err: error },
      'failed',
    );
    expect(logged.join('')).not.toMatch(/wrong-password|s3cr3t/);
    expect(proxy.seen.some((h) => h.startsWith('Basic '))).toBe(true);
  });
});
