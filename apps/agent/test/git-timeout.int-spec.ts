// Git over the network (issue 14): a Git host that accepts the connection and never answers fails
// the fetch after the configured time limit, after retries with backoff, as SOURCE_UNAVAILABLE
// (retryable); once the host answers, the same fetcher gets the commit.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitServer } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError } from '../src/errors.js';
import { Fetcher, SourceErrorCode } from '../src/source/fetcher.js';

describe('git fetch time limits and retries', () => {
  let dir: string;
  let hole: Server;
  let connections = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-git-timeout-'));
    hole = createServer((s) => {
      connections++;
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => hole.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('gives up on a host that never answers after the time limit and the retries, as SOURCE_UNAVAILABLE', async () => {
    const port = (hole.address() as { port: number }).port;
    const fetcher = new Fetcher(join(dir, 'a'), {}, { timeoutMs: 300, retries: 2, backoffMs: 50 });
    const started = Date.now();
    const error = await fetcher
      .fetch({ repoUrl: `http://127.0.0.1:${port}/fleet.git`, branch: 'main', revision: 'a'.repeat(40) })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).code).toBe(SourceErrorCode.Unavailable);
    expect((error as Error).message).toMatch(/timed out after 300 ms/);
    expect(connections).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 300 + 50 + 100);
  });

  it('fetches the commit from a host that answers, through the same time-limited client', async () => {
    await using git = await startGitServer();
    const rev = await git.commit({ files: { 'clusters/a/cm.yaml': 'kind: ConfigMap\n' }, message: 'one' });
    const fetcher = new Fetcher(join(dir, 'b'), {}, { timeoutMs: 30_000 });
    const artifact = await fetcher.fetch({ repoUrl: git.url, branch: 'main', revision: rev });
    expect(artifact).toMatchObject({ revision: rev, fetched: true });
  });
});
