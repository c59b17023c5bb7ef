/**
 * source/: gets exactly the desired commit from Git and hands the renderer a RepoTree over it.
 * isomorphic-git fetches the branch shallow (depth 1) into a bare store under the state dir,
 * deepening while the desired SHA is older than the branch head; a commit already in the store
 * costs no network at all (a restart does not clone again). Credentials never reach the logs.
 * Every request has a time limit (`timeoutMs`, default 60 s) and a fetch that fails is retried
 * with backoff (`retries`, default 2) before the pass reports SOURCE_UNAVAILABLE (retryable).
 */
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import git, { type AuthCallback } from 'isomorphic-git';
import type { DesiredState } from '@flotilla/protocol';
import { ancestryOf, redactUrl, type Ancestry, type RepoTree } from '@flotilla/gitops';
import { AgentError } from '../errors.js';
import { GitTree } from './git-tree.js';
import { timedHttp } from './timed-http.js';

export interface GitCredentials {
  username?: string;
  password?: string;
  token?: string;
}

export interface Artifact {
  revision: string;
  tree: RepoTree;
  /** True when this fetch needed the network (false: served from the on-disk store). */
  fetched: boolean;
}

export const SourceErrorCode = {
  Unavailable: 'SOURCE_UNAVAILABLE',
  RevisionNotFound: 'REVISION_NOT_FOUND',
} as const;

const MAX_DEEPEN = 4096;

export interface FetcherOptions {
  /** Time limit of one HTTP request to the Git host (default 60 s). */
  timeoutMs?: number;
  /** Retries of a failed fetch within one pass (default 2), after 1 s, 2 s, … */
  retries?: number;
  backoffMs?: number;
  /** Largest answer accepted from the Git host (default 512 MiB). */
  maxBytes?: number;
}

export class Fetcher {
  private readonly http;
  constructor(
    private readonly cacheDir: string,
    private readonly credentials: GitCredentials = {},
    private readonly opts: FetcherOptions = {},
  ) {
    this.http = timedHttp({ timeoutMs: opts.timeoutMs ?? 60_000, maxBytes: opts.maxBytes ?? 512 * 1024 * 1024 });
  }

  /** Runs a network step, retrying a failure with doubling backoff. */
  private async retrying<T>(step: () => Promise<T>): Promise<T> {
    const retries = this.opts.retries ?? 2;
    for (let i = 0; ; i++) {
      try {
        return await step();
      } catch (error) {
        if (i >= retries) throw error;
        await new Promise((r) => setTimeout(r, (this.opts.backoffMs ?? 1_000) * 2 ** i));
      }
    }
  }

  private gitdirFor(url: string): string {
    return join(this.cacheDir, createHash('sha256').update(url).digest('hex').slice(0, 16));
  }

  private onAuth: AuthCallback = () => {
    const c = this.credentials;
    if (c.token) return { username: c.username ?? 'x-access-token', password: c.token };
    if (c.username) return { username: c.username, password: c.password ?? '' };
    return { cancel: true };
  };

  private base(desired: Pick<DesiredState, 'repoUrl' | 'branch'>, gitdir: string) {
    return {
      fs,
      http: this.http,
      gitdir,
      remote: 'origin',
      url: desired.repoUrl,
      ref: desired.branch,
      singleBranch: true,
      tags: false,
      onAuth: this.onAuth,
    };
  }

  private unavailable(desired: Pick<DesiredState, 'repoUrl' | 'branch'>, error: unknown): AgentError {
    return new AgentError(
      `cannot fetch ${desired.branch} from ${redactUrl(desired.repoUrl)}: ${(error as Error).message}`,
      SourceErrorCode.Unavailable,
      { repoUrl: redactUrl(desired.repoUrl) },
      { cause: error },
    );
  }

  private async hasCommit(gitdir: string, oid: string): Promise<string | undefined> {
    try {
      return (await git.readCommit({ fs, gitdir, oid })).commit.tree;
    } catch {
      return undefined;
    }
  }

  /** The desired commit's tree; throws AgentError SOURCE_UNAVAILABLE / REVISION_NOT_FOUND. */
  async fetch(desired: Pick<DesiredState, 'repoUrl' | 'branch' | 'revision'>): Promise<Artifact> {
    const gitdir = this.gitdirFor(desired.repoUrl);
    let tree = await this.hasCommit(gitdir, desired.revision);
    if (tree) return { revision: desired.revision, tree: new GitTree(gitdir, tree), fetched: false };
    await fs.promises.mkdir(gitdir, { recursive: true });
    await git.init({ fs, gitdir, bare: true, defaultBranch: desired.branch });
    await git.addRemote({ fs, gitdir, remote: 'origin', url: desired.repoUrl, force: true });
    const base = this.base(desired, gitdir);
    try {
      await this.retrying(() => git.fetch({ ...base, depth: 1 }));
      for (let depth = 8; !(tree = await this.hasCommit(gitdir, desired.revision)) && depth <= MAX_DEEPEN; depth *= 4) {
        await this.retrying(() => git.fetch({ ...base, depth, relative: true }));
      }
    } catch (error) {
      throw this.unavailable(desired, error);
    }
    if (!tree) {
      throw new AgentError(
        `commit ${desired.revision} is not on branch ${desired.branch} of ${redactUrl(desired.repoUrl)}`,
        SourceErrorCode.RevisionNotFound,
        { revision: desired.revision },
      );
    }
    return { revision: desired.revision, tree: new GitTree(gitdir, tree), fetched: true };
  }

  /** The raw commit object (for signature checks) of a commit already in the store. */
  async readCommitObject(repoUrl: string, oid: string): Promise<Uint8Array> {
    const { object } = await git.readObject({ fs, gitdir: this.gitdirFor(repoUrl), oid, format: 'content' });
    return object as Uint8Array;
  }

  /**
   * Whether `oid` is `ancestor` or built on top of it, deepening the shallow store while the walk
   * runs into its boundary (bounded: `incomplete` after MAX_DEEPEN commits).
   */
  async ancestry(desired: Pick<DesiredState, 'repoUrl' | 'branch'>, oid: string, ancestor: string): Promise<Ancestry> {
    const gitdir = this.gitdirFor(desired.repoUrl);
    const cache = {};
    const readParents = (commit: string) =>
      git.readCommit({ fs, gitdir, oid: commit, cache }).then(
        (c) => c.commit.parent,
        () => undefined,
      );
    for (let depth = 8; ; depth *= 4) {
      const answer = await ancestryOf({ oid, ancestor, readParents, maxCommits: MAX_DEEPEN });
      if (answer !== 'incomplete' || depth > MAX_DEEPEN) return answer;
      try {
        await this.retrying(() => git.fetch({ ...this.base(desired, gitdir), depth, relative: true }));
      } catch (error) {
        throw this.unavailable(desired, error);
      }
    }
  }
}
