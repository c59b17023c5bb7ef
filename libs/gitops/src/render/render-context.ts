/** Per-render state: safe reads through the RepoTree (no symlinks, no submodules, caps) and the files read. */
import { RenderError, RenderErrorCode } from '../errors/render-error.js';
import type { RepoTree, TreeEntry } from '../tree/repo-tree.js';
import { ParseCache } from '../yaml/parse-cache.js';
import type { YamlDialect } from '../yaml/kustomize-scalars.js';
import { parseYamlDocuments, parseYamlObject } from '../yaml/parse-manifests.js';
import type { HelmChartInflater } from './helm/helm-chart.js';
import type { KustomizeSchema } from './kustomize/openapi.js';
import { DEFAULT_SCHEMA } from './kustomize/openapi.js';
import type { ResolvedRenderOptions } from './render-options.js';

export class RenderContext {
  readonly filesRead = new Set<string>();
  /** Things that built but deserve the author's attention (e.g. a patch whose target matched nothing). */
  readonly warnings: string[] = [];
  /** kustomize's process-wide strategic-merge schema, set by `openapi:` as the build goes (kustomize/openapi.ts). */
  kustomizeSchema: KustomizeSchema = DEFAULT_SCHEMA;
  private readonly entries = new Map<string, Promise<TreeEntry | undefined>>();
  /** Reads started ahead of need (prefetch), by path; taken by readFile. */
  private readonly reads = new Map<string, Promise<Uint8Array>>();

  constructor(
    readonly tree: RepoTree,
    readonly options: ResolvedRenderOptions,
    private readonly cache?: ParseCache,
    /** Inflates `helmCharts` (given on the hub only). */
    readonly helm?: HelmChartInflater,
  ) {}

  private rawEntry(path: string): Promise<TreeEntry | undefined> {
    let entry = this.entries.get(path);
    if (!entry) {
      entry = this.tree.entry(path);
      this.entries.set(path, entry);
    }
    return entry;
  }

  /** The entry at `path`, after checking no component of it is a symlink or submodule. */
  async entry(path: string): Promise<TreeEntry | undefined> {
    const parts = path === '' ? [] : path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const entry = await this.rawEntry(prefix);
      if (!entry) return undefined;
      if (entry.type === 'symlink')
        throw new RenderError(
          RenderErrorCode.Symlink,
          prefix,
          'symbolic links are not followed: commit the file itself',
        );
      if (entry.type === 'submodule')
        throw new RenderError(RenderErrorCode.UnsupportedField, prefix, 'git submodules are not supported');
      if (i < parts.length && entry.type !== 'dir') return undefined;
    }
    return parts.length === 0 ? { type: 'dir' } : this.rawEntry(path);
  }

  async readFile(path: string, referencedFrom: string): Promise<Uint8Array> {
    const entry = await this.entry(path);
    if (!entry) throw new RenderError(RenderErrorCode.NotFound, referencedFrom, `"${path}" does not exist`);
    if (entry.type !== 'file')
      throw new RenderError(RenderErrorCode.NotFound, referencedFrom, `"${path}" is a ${entry.type}, not a file`);
    if (entry.size !== undefined && entry.size > this.options.maxFileBytes) {
      throw new RenderError(
        RenderErrorCode.FileTooLarge,
        path,
        `file is ${entry.size} bytes, over the cap of ${this.options.maxFileBytes} bytes`,
      );
    }
    this.filesRead.add(path);
    if (this.filesRead.size > this.options.maxFiles) {
      throw new RenderError(
        RenderErrorCode.TooManyObjects,
        path,
        `render reads more than ${this.options.maxFiles} files`,
      );
    }
    const pending = this.reads.get(path);
    this.reads.delete(path);
    const bytes = await (pending ?? this.tree.readFile(path));
    if (bytes.byteLength > this.options.maxFileBytes) {
      throw new RenderError(
        RenderErrorCode.FileTooLarge,
        path,
        `file is ${bytes.byteLength} bytes, over the cap of ${this.options.maxFileBytes} bytes`,
      );
    }
    return bytes;
  }

  /**
   * Starts reading files the render is about to read, so the store's I/O overlaps the parsing of
   * the files before them. Checks and errors stay with readFile, in the render's own order.
   */
  /** Records a warning naming the file it concerns. */
  warn(file: string, message: string): void {
    this.warnings.push(`${file}: ${message}`);
  }

  prefetch(paths: readonly string[]): void {
    for (const path of paths) {
      if (this.reads.has(path) || this.filesRead.has(path)) continue;
      const read = this.tree.readFile(path);
      read.catch(() => undefined);
      this.reads.set(path, read);
    }
  }

  async readYamlDocuments(
    path: string,
    referencedFrom: string,
    dialect: YamlDialect = 'kubernetes',
  ): Promise<unknown[]> {
    const bytes = await this.readFile(path, referencedFrom);
    if (!this.cache) return parseYamlDocuments(path, bytes, this.options, dialect);
    const key = ParseCache.keyOf(bytes, `${this.options.maxDocuments}/${this.options.maxAliasCount}/${dialect}`);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const docs = parseYamlDocuments(path, bytes, this.options, dialect);
    this.cache.set(key, docs);
    return docs;
  }

  async readYamlObject(path: string, referencedFrom: string): Promise<Record<string, unknown>> {
    return parseYamlObject(path, await this.readFile(path, referencedFrom), this.options);
  }

  /** Entry names of a directory, sorted by code unit (deterministic everywhere). */
  async listDir(path: string): Promise<string[]> {
    const names = await this.tree.readDir(path);
    return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
