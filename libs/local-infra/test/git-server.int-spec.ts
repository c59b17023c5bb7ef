import { mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import isogit from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { runGit, startGitServer, type GitServer } from '@flotilla/local-infra';

describe('startGitServer', () => {
  let server: GitServer;
  let work: string;

  beforeAll(async () => {
    server = await startGitServer();
    work = await mkdtemp(join(tmpdir(), 'flotilla-git-client-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('serves commits made with the helper to a real git clone over HTTP', async () => {
    const sha = await server.commit({
      files: { 'clusters/a/cm.yaml': 'kind: ConfigMap\n', 'fleet.yaml': 'waves: []\n' },
      message: 'initial',
    });
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    await runGit(['clone', '--quiet', server.url, 'clone'], { cwd: work });
    const clone = join(work, 'clone');
    expect(await runGit(['rev-parse', 'HEAD'], { cwd: clone })).toBe(sha);
    expect(await readFile(join(clone, 'clusters/a/cm.yaml'), 'utf8')).toBe('kind: ConfigMap\n');
    expect(server.requests()).toBeGreaterThan(0);
  });

  it('accepts a push over HTTP', async () => {
    const clone = join(work, 'clone');
    await writeFile(join(clone, 'clusters/a/cm.yaml'), 'kind: ConfigMap\nmetadata: {name: pushed}\n');
    await runGit(['commit', '--quiet', '-am', 'change a'], { cwd: clone });
    await runGit(['push', '--quiet', 'origin', 'main'], { cwd: clone });
    const local = await runGit(['rev-parse', 'HEAD'], { cwd: clone });
    expect(await runGit(['rev-parse', 'refs/heads/main'], { cwd: server.repoPath })).toBe(local);
  });

  it('commits on top of the pushed tip, keeping other files, and deletes on null', async () => {
    const pushed = await runGit(['rev-parse', 'refs/heads/main'], { cwd: server.repoPath });
    const sha = await server.commit({
      files: { 'clusters/b/cm.yaml': 'b\n', 'fleet.yaml': null },
      message: 'add b, drop fleet.yaml',
    });
    expect(await runGit(['rev-parse', `${sha}^`], { cwd: server.repoPath })).toBe(pushed);
    const clone = join(work, 'clone');
    await runGit(['pull', '--quiet', '--ff-only'], { cwd: clone });
    expect(await runGit(['rev-parse', 'HEAD'], { cwd: clone })).toBe(sha);
    expect(await readFile(join(clone, 'clusters/a/cm.yaml'), 'utf8')).toContain('pushed');
    expect(await readFile(join(clone, 'clusters/b/cm.yaml'), 'utf8')).toBe('b\n');
    await expect(access(join(clone, 'fleet.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('serves a shallow clone to isomorphic-git, the client the agent uses', async () => {
    const tip = await runGit(['rev-parse', 'refs/heads/main'], { cwd: server.repoPath });
    const dir = join(work, 'iso');
    await isogit.clone({ fs, http, dir, url: server.url, ref: 'main', singleBranch: true, depth: 1, noCheckout: true });
    expect(await isogit.resolveRef({ fs, dir, ref: 'HEAD' })).toBe(tip);
    const { blob } = await isogit.readBlob({ fs, dir, oid: tip, filepath: 'clusters/b/cm.yaml' });
    expect(Buffer.from(blob).toString()).toBe('b\n');
  });

  it('answers 404 for a repository it does not serve', async () => {
    const res = await fetch(`${server.url.replace(/fleet\.git$/, 'nope.git')}/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(404);
  });
});
