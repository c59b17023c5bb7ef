/**
 * Publishing hydrations: the rendered branch (default `flotilla/rendered`) of the fleet repository
 * gets one commit per source commit, fast-forward on its head. The source → rendered map is read
 * back from the branch's trailers, so a restarted hub finds what it hydrated before.
 */
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import { RevertWriter, type GitWriterOptions } from '../rollouts/git/revert-writer.js';
import { type HydrationCluster, type HydrationResult, type Hydrator, sourceOf } from './hydrator.js';
import { PATH_FILE } from './rendered-tree.js';

export interface RenderedBranchOptions extends Omit<GitWriterOptions, 'branch'> {
  branch: string;
  hydrator: Hydrator;
  /** Rendered commits read back per lookup of an unknown source (newest first). */
  maxHistory?: number;
}

export class RenderedBranch {
  private readonly writer: RevertWriter;
  private readonly cache = {};
  /** Source commit → rendered commit. */
  private readonly known = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  /** The rendered head last read back. */
  private learned?: string;

  constructor(private readonly opts: RenderedBranchOptions) {
    this.writer = new RevertWriter(opts);
  }

  get branch(): string {
    return this.opts.branch;
  }

  /** The rendered branch head, or undefined when the branch does not exist yet. */
  async fetchHead(): Promise<string | undefined> {
    try {
      return await this.writer.fetchHead();
    } catch (e) {
      // A branch the server does not have (isomorphic-git: NotFoundError) is one not created yet.
      const cause = (e as Error & { cause?: { code?: string } }).cause;
      if (cause?.code === 'NotFoundError' || /does not exist/.test((e as Error).message)) return undefined;
      throw e;
    }
  }

  /** Reads back the branch's trailers (newest first) into the map. */
  private async learn(head: string | undefined): Promise<void> {
    if (!head || head === this.learned) return;
    this.learned = head;
    const seen = new Set<string>();
    const log = await git.log({
      fs,
      gitdir: this.opts.gitdir,
      ref: head,
      depth: this.opts.maxHistory ?? 500,
      cache: this.cache,
    });
    for (const { oid, commit } of log) {
      const source = sourceOf(commit.message);
      // Newest first: a source hydrated again (a cluster registered since) maps to its newest commit.
      if (source && !seen.has(source)) {
        seen.add(source);
        this.known.set(source, oid);
      }
    }
  }

  /** The rendered commit of `source`, if it was hydrated. */
  async renderedOf(source: string): Promise<string | undefined> {
    if (!this.known.has(source)) await this.learn(await this.fetchHead());
    return this.known.get(source);
  }

  /** The fleet-repository path a cluster folder of a rendered commit was rendered from. */
  async pathOf(rendered: string, folder: string): Promise<string | undefined> {
    try {
      const { blob } = await git.readBlob({
        fs,
        gitdir: this.opts.gitdir,
        oid: rendered,
        filepath: `${folder}/${PATH_FILE}`,
        cache: this.cache,
      });
      return Buffer.from(blob).toString('utf8').trim();
    } catch {
      return undefined;
    }
  }

  /** Each cluster folder's tree oid in a rendered commit, by folder name. */
  async folders(rendered: string): Promise<Map<string, string>> {
    const { commit } = await git.readCommit({ fs, gitdir: this.opts.gitdir, oid: rendered, cache: this.cache });
    const { tree } = await git.readTree({ fs, gitdir: this.opts.gitdir, oid: commit.tree, cache: this.cache });
    return new Map(tree.filter((e) => e.type === 'tree').map((e) => [e.path, e.oid]));
  }

  /**
   * Hydrates `source` and pushes the rendered commit (one hydration at a time). A source already
   * hydrated is not rendered again. A push refused because the branch moved is retried once on
   * the new head; any other refusal throws.
   */
  hydrate(
    source: string,
    clusters: readonly HydrationCluster[],
    /** Hydrate again even if `source` was, when its rendered commit is stale for a cluster (registered or moved since). */
    stale?: (rendered: string) => Promise<boolean>,
  ): Promise<{ renderedRevision: string; result?: HydrationResult }> {
    const run = this.queue.then(() => this.hydrateNow(source, clusters, stale));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async hydrateNow(
    source: string,
    clusters: readonly HydrationCluster[],
    stale?: (rendered: string) => Promise<boolean>,
  ) {
    for (let attempt = 0; ; attempt++) {
      const head = await this.fetchHead();
      await this.learn(head);
      const existing = this.known.get(source);
      if (existing && !(await stale?.(existing))) return { renderedRevision: existing };
      const result = await this.opts.hydrator.hydrate(source, clusters, head);
      await git.writeRef({
        fs,
        gitdir: this.opts.gitdir,
        ref: `refs/heads/${this.opts.branch}`,
        value: result.renderedRevision,
        force: true,
      });
      const pushed = await this.writer.push(result.renderedRevision);
      if (pushed.ok) {
        this.known.set(source, result.renderedRevision);
        this.learned = result.renderedRevision;
        return { renderedRevision: result.renderedRevision, result };
      }
      if (attempt >= 1) throw new Error(pushed.reason);
    }
  }
}
