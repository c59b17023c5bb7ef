/**
 * Rollback as a commit: fetches the tracked branch into a bare store (isomorphic-git), builds a
 * tree that is the branch head's tree with every path the bad change touched set back to its
 * content before the change (tree-edit.ts: built from the trees, never a partial checkout),
 * commits it as "Flotilla" on top of the head (signed when a signer is given) and pushes it over smart HTTP. A path changed again
 * after the bad commit is a conflict; a refused push (protected branch, branch moved) is returned
 * as the reason, never thrown, so the rollout can pause and say why.
 */
import * as fs from 'node:fs';
import git, { type AuthCallback } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import type { GitTreeEntry } from '@flotilla/gitops';
import { withGitRetries, withTimeout } from '../../fleet-repo/git-remote.js';
import { diffTrees, editTree, type PathContent, type TreeStore } from './tree-edit.js';

export interface GitWriterOptions {
  url: string;
  branch: string;
  username?: string;
  token?: string;
  /** Bare store the writer owns (created on first use). */
  gitdir: string;
  /** Time limit of one fetch or push (default 30 s); a fetch is retried `retries` times with backoff. */
  timeoutMs?: number;
  retries?: number;
}

export interface RevertRequest {
  /** The commit whose change is reverted (the rollout's revision). */
  badRevision: string;
  /** What the change is measured from (the revision clusters ran before); default: the bad commit's first parent. */
  baseRevision?: string;
  message: string;
  /** Signs the commit payload (armored detached OpenPGP signature); unsigned without it. */
  sign?: (payload: string) => Promise<string>;
}

export type RevertResult =
  { ok: true; revision: string; parent: string; paths: string[] } | { ok: false; reason: string };

export const FLOTILLA_AUTHOR = { name: 'Flotilla', email: 'flotilla@flotilla.invalid' };

const same = (x: PathContent, y: PathContent) =>
  x === null ? y === null : y !== null && x.oid === y.oid && x.mode === y.mode;

export class RevertWriter {
  private readonly cache = {};
  constructor(private readonly opts: GitWriterOptions) {}

  private onAuth: AuthCallback = () =>
    this.opts.token
      ? { username: this.opts.username ?? 'x-access-token', password: this.opts.token }
      : { cancel: true };

  private get store(): TreeStore {
    const { gitdir } = this.opts;
    return {
      readTree: async (oid) => (await git.readTree({ fs, gitdir, oid, cache: this.cache })).tree as GitTreeEntry[],
      writeTree: (tree) => git.writeTree({ fs, gitdir, tree: tree.map((e) => ({ ...e, mode: e.mode })) }),
    };
  }

  /** Fetches the branch (the tracked one unless named); returns its head. */
  async fetchHead(branch = this.opts.branch): Promise<string> {
    const { gitdir, url } = this.opts;
    await fs.promises.mkdir(gitdir, { recursive: true });
    await git.init({ fs, gitdir, bare: true, defaultBranch: branch });
    await git.addRemote({ fs, gitdir, remote: 'origin', url, force: true });
    const { fetchHead } = await withGitRetries(
      () =>
        git.fetch({
          fs,
          http,
          gitdir,
          remote: 'origin',
          url,
          ref: branch,
          singleBranch: true,
          tags: false,
          onAuth: this.onAuth,
        }),
      `fetching ${branch}`,
      { timeoutMs: this.opts.timeoutMs ?? 30_000, retries: this.opts.retries ?? 0 },
    );
    if (!fetchHead) throw new Error(`branch ${branch} does not exist in the fleet repository`);
    return fetchHead;
  }

  /** Fetches every branch of the repository (to find a commit that is on none the store has yet). */
  async fetchAllBranches(): Promise<void> {
    const { gitdir, url } = this.opts;
    await fs.promises.mkdir(gitdir, { recursive: true });
    await git.init({ fs, gitdir, bare: true, defaultBranch: this.opts.branch });
    await git.addRemote({ fs, gitdir, remote: 'origin', url, force: true });
    await withGitRetries(
      () =>
        git.fetch({ fs, http, gitdir, remote: 'origin', url, singleBranch: false, tags: false, onAuth: this.onAuth }),
      'fetching all branches',
      { timeoutMs: this.opts.timeoutMs ?? 30_000, retries: this.opts.retries ?? 0 },
    );
  }

  private async treeOf(oid: string): Promise<{ tree: string; parents: string[] }> {
    const { commit } = await git.readCommit({ fs, gitdir: this.opts.gitdir, oid, cache: this.cache });
    return { tree: commit.tree, parents: commit.parent };
  }

  /** Builds the revert commit on the fetched head without pushing it. */
  async prepare(req: RevertRequest): Promise<RevertResult> {
    const head = await this.fetchHead();
    let bad: { tree: string; parents: string[] };
    try {
      bad = await this.treeOf(req.badRevision);
    } catch {
      return { ok: false, reason: `revision ${req.badRevision} is not on branch ${this.opts.branch}` };
    }
    const baseRev = req.baseRevision ?? bad.parents[0];
    const base = baseRev ? await this.treeOf(baseRev) : undefined;
    const headTree = (await this.treeOf(head)).tree;
    const changed = await diffTrees(this.store, base?.tree, bad.tree);
    const since = await diffTrees(this.store, bad.tree, headTree);
    const edits = new Map<string, PathContent>();
    for (const [path, { a: before }] of changed) {
      const later = since.get(path);
      if (!later) edits.set(path, before);
      else if (!same(later.b, before))
        return {
          ok: false,
          reason: `cannot revert ${req.badRevision.slice(0, 12)}: ${path} changed again after it (conflict)`,
        };
    }
    if (edits.size === 0)
      return {
        ok: false,
        reason: `nothing to revert: ${this.opts.branch} head ${head.slice(0, 12)} no longer has the change of ${req.badRevision.slice(0, 12)}`,
      };
    const tree =
      (await editTree(this.store, headTree, edits)) ??
      (await git.writeTree({ fs, gitdir: this.opts.gitdir, tree: [] }));
    const ref = `refs/heads/${this.opts.branch}`;
    await git.writeRef({ fs, gitdir: this.opts.gitdir, ref, value: head, force: true });
    const now = Math.floor(Date.now() / 1000);
    const author = { ...FLOTILLA_AUTHOR, timestamp: now, timezoneOffset: 0 };
    const { sign } = req;
    const signing = sign
      ? {
          signingKey: 'FLEET_SIGNING_KEY_FILE',
          onSign: async ({ payload }: { payload: string }) => ({ signature: await sign(payload) }),
        }
      : {};
    const revision = await git.commit({
      fs,
      gitdir: this.opts.gitdir,
      message: req.message,
      author,
      committer: author,
      tree,
      parent: [head],
      ref,
      ...signing,
    });
    return { ok: true, revision, parent: head, paths: [...edits.keys()].sort() };
  }

  /** Pushes the prepared commit (fast-forward only); a refusal comes back as the reason. */
  async push(revision: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    const { gitdir, url, branch } = this.opts;
    try {
      const result = await withTimeout(
        git.push({ fs, http, gitdir, url, ref: branch, remoteRef: branch, onAuth: this.onAuth }),
        this.opts.timeoutMs ?? 30_000,
        `pushing ${branch}`,
      );
      const refResult = result.refs[`refs/heads/${branch}`];
      if (!result.ok || (refResult && !refResult.ok))
        return {
          ok: false,
          reason: `push of ${revision.slice(0, 12)} to ${branch} refused: ${refResult?.error ?? result.error ?? 'unknown reason'}`,
        };
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: `push of ${revision.slice(0, 12)} to ${branch} refused: ${(e as Error).message}` };
    }
  }

  async revert(req: RevertRequest): Promise<RevertResult> {
    const prepared = await this.prepare(req);
    if (!prepared.ok) return prepared;
    const pushed = await this.push(prepared.revision);
    return pushed.ok ? prepared : pushed;
  }
}
