/**
 * The demo fleet repository of `npm start` runs in a process of its own: a clone or fetch is
 * served even while the control plane's event loop is busy, and stopping it leaves nothing behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, scaled } from '@flotilla/testing';
import { startDemoRepoProcess, type DemoRepoProcess } from '../src/embedded/demo/repo-process.js';

/** The process group of `pid`, from /proc. */
const processGroup = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
};

describe('demo repository process', () => {
  let root: string;
  let repo: DemoRepoProcess;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'flotilla-demo-repo-'));
    repo = await startDemoRepoProcess({ root, port: 0, helm: false });
  }, scaled(60_000));

  afterAll(async () => {
    await repo?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves the seeded demo repository from its own process group', () => {
    expect(repo.pid).not.toBe(process.pid);
    expect(processGroup(repo.pid)).toBe(repo.pid);
    // A synchronous client blocks this process's event loop for the whole request: only a server
    // in another process can answer it (in-process, this call would hang until its timeout).
    const refs = execFileSync('git', ['ls-remote', repo.url], { timeout: scaled(30_000), encoding: 'utf8' });
    expect(refs).toMatch(/^[0-9a-f]{40}\trefs\/heads\/main$/m);
    const files = execFileSync('git', ['ls-tree', '-r', '--name-only', 'main'], {
      cwd: repo.repoPath,
      encoding: 'utf8',
    });
    expect(files).toMatch(/^clusters\//m);
  });

  it('stops on close and leaves no process behind', async () => {
    const second = await startDemoRepoProcess({ root: join(root, 'second'), port: 0, helm: false });
    expect(existsSync(`/proc/${second.pid}`)).toBe(true);
    await second.close();
    await eventually(() => !existsSync(`/proc/${second.pid}`), { timeoutMs: 10_000 });
    expect(() => execFileSync('git', ['ls-remote', second.url], { timeout: scaled(10_000), stdio: 'pipe' })).toThrow();
  });

  it('names the cause when its port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', res));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startDemoRepoProcess({ root: join(root, 'third'), port, helm: false })).rejects.toThrow(
        /demo repository server exited with code 1: .*EADDRINUSE/s,
      );
    } finally {
      blocker.close();
    }
  });
});
