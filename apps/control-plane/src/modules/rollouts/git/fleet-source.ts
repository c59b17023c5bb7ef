/**
 * The control plane's own copy of the fleet repository: a bare isomorphic-git store in a temp
 * folder (removed on shutdown), fetched on demand. It hands out RepoTrees over any commit
 * (ObjectStoreTree from libs/gitops, the same walking logic the agent's renderer reads through)
 * and the RevertWriter that commits rollbacks.
 */
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { ObjectStoreTree, type GitTreeEntry, type RenderMemo, type RepoTree } from '@flotilla/gitops';
import type { ControlPlaneConfig } from '../../../config/config.schema.js';
import { CONFIG } from '../../../config/config.token.js';
import { RevertWriter } from './revert-writer.js';
import { diffTrees } from './tree-edit.js';

@Injectable()
export class FleetSource implements OnModuleDestroy {
  readonly gitdir: string;
  private readonly cache = {};
  private fetching?: Promise<string>;
  readonly writer: RevertWriter;

  constructor(@Inject(CONFIG) private readonly config: ControlPlaneConfig) {
    this.gitdir = join(fs.mkdtempSync(join(tmpdir(), 'flotilla-fleet-')), 'store.git');
    this.writer = new RevertWriter({
      url: config.FLEET_REPO_URL ?? '',
      branch: config.FLEET_BRANCH,
      username: config.FLEET_GIT_USERNAME,
      token: config.FLEET_GIT_TOKEN,
      gitdir: this.gitdir,
      timeoutMs: config.FLEET_GIT_TIMEOUT_SECONDS * 1000,
      retries: config.FLEET_GIT_RETRIES,
    });
  }

  /** Fetches the tracked branch (one fetch at a time); returns its head. */
  fetch(): Promise<string> {
    this.fetching ??= this.writer.fetchHead().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private readonly branchFetches = new Map<string, Promise<string>>();

  /**
   * Fetches another branch of the repository (a pull request's head, for a preview) into the store;
   * returns its head. One fetch per branch at a time.
   */
  fetchBranch(branch: string): Promise<string> {
    if (branch === this.config.FLEET_BRANCH) return this.fetch();
    let pending = this.branchFetches.get(branch);
    if (!pending) {
      pending = this.writer.fetchHead(branch).finally(() => this.branchFetches.delete(branch));
      this.branchFetches.set(branch, pending);
    }
    return pending;
  }

  /** Whether the store has `oid`, fetching the tracked branch and then every branch until it does. */
  async find(oid: string): Promise<boolean> {
    if (await this.has(oid)) return true;
    await this.fetch();
    if (await this.has(oid)) return true;
    await this.writer.fetchAllBranches();
    return this.has(oid);
  }

  private async has(oid: string): Promise<boolean> {
    return git.readCommit({ fs, gitdir: this.gitdir, oid, cache: this.cache }).then(
      () => true,
      () => false,
    );
  }

  /** A RepoTree over `revision`, fetching first when the store does not have it yet. */
  async treeAt(revision: string): Promise<RepoTree> {
    if (!(await this.has(revision))) await this.fetch();
    const { commit } = await git.readCommit({ fs, gitdir: this.gitdir, oid: revision, cache: this.cache });
    return new ObjectStoreTree(
      {
        readTree: async (oid) =>
          (await git.readTree({ fs, gitdir: this.gitdir, oid, cache: this.cache })).tree as GitTreeEntry[],
        readBlob: async (oid) => (await git.readBlob({ fs, gitdir: this.gitdir, oid, cache: this.cache })).blob,
      },
      commit.tree,
    );
  }

  /** Renders kept across rollouts (by revision and path), so the next commit re-renders only what it can change. */
  readonly renderMemo: RenderMemo = new Map();

  /** File paths whose content differs between two commits (from their trees, no checkout). */
  async changedPaths(from: string, to: string): Promise<string[]> {
    if (this.renderMemo.size > 50_000) this.renderMemo.clear();
    await Promise.all([this.treeAt(from), this.treeAt(to)]);
    const treeOf = async (oid: string) =>
      (await git.readCommit({ fs, gitdir: this.gitdir, oid, cache: this.cache })).commit.tree;
    const store = {
      readTree: async (oid: string) =>
        (await git.readTree({ fs, gitdir: this.gitdir, oid, cache: this.cache })).tree as GitTreeEntry[],
      writeTree: () => Promise.reject(new Error('read-only')),
    };
    return [...(await diffTrees(store, await treeOf(from), await treeOf(to))).keys()];
  }

  onModuleDestroy(): void {
    fs.rmSync(join(this.gitdir, '..'), { recursive: true, force: true });
  }
}
