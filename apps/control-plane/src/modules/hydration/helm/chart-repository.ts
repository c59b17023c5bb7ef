/**
 * An HTTP(S) Helm chart repository read without `helm pull`: index.yaml, then the chart archive it
 * names, each with a time limit, a size limit and the index's sha256 digest checked. Archives are
 * kept by URL and digest (a pinned version is fetched once); the index for a short while.
 */
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { z } from 'zod';

export interface ChartRepositoryLimits {
  timeoutMs: number;
  maxIndexBytes: number;
  maxChartBytes: number;
  /** How long a fetched index.yaml answers for its repository. */
  indexTtlMs: number;
}

export const ChartFetchFailure = { Unreachable: 'unreachable', NotFound: 'not-found' } as const;
export type ChartFetchFailure = (typeof ChartFetchFailure)[keyof typeof ChartFetchFailure];

export class ChartFetchError extends Error {
  constructor(
    readonly failure: ChartFetchFailure,
    message: string,
  ) {
    super(message);
  }
}

const IndexEntry = z.object({
  version: z.string().min(1),
  urls: z.array(z.string().min(1)).min(1),
  digest: z.string().optional(),
});
const Index = z.object({ entries: z.record(z.string(), z.array(IndexEntry).nullable()).optional() });
type IndexEntry = z.infer<typeof IndexEntry>;

const MAX_ARCHIVES = 64;

export interface ChartArchive {
  version: string;
  url: string;
  bytes: Uint8Array;
}

/** Semver ordering of `a.b.c[-pre]` (pre-releases before their release); helm picks the highest. */
function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.replace(/^v/, '').split('+')[0]!.split(/-(.*)/s);
    return { nums: core.split('.').map((n) => Number(n) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if ((x.nums[i] ?? 0) !== (y.nums[i] ?? 0)) return (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

/** The redacted form of a repository URL for messages (no credentials, no query). */
export function showRepo(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export class ChartRepositoryClient {
  private readonly indexes = new Map<string, { at: number; index: Promise<z.infer<typeof Index>> }>();
  private readonly archives = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly limits: ChartRepositoryLimits) {}

  private async get(url: string, maxBytes: number, what: string): Promise<Uint8Array> {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.limits.timeoutMs), redirect: 'follow' });
    } catch (e) {
      const reason =
        e instanceof Error && e.name === 'TimeoutError'
          ? `no answer in ${this.limits.timeoutMs} ms`
          : String((e as Error).cause ?? e);
      throw new ChartFetchError(ChartFetchFailure.Unreachable, `${what} ${showRepo(url)}: ${reason}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new ChartFetchError(
        res.status === 404 ? ChartFetchFailure.NotFound : ChartFetchFailure.Unreachable,
        `${what} ${showRepo(url)}: HTTP ${res.status}`,
      );
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > maxBytes) {
      await res.body?.cancel();
      throw new ChartFetchError(ChartFetchFailure.Unreachable, `${what} ${showRepo(url)} is over ${maxBytes} bytes`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        total += chunk.byteLength;
        if (total > maxBytes)
          throw new ChartFetchError(
            ChartFetchFailure.Unreachable,
            `${what} ${showRepo(url)} is over ${maxBytes} bytes`,
          );
        chunks.push(chunk);
      }
    } catch (e) {
      if (e instanceof ChartFetchError) throw e;
      throw new ChartFetchError(ChartFetchFailure.Unreachable, `${what} ${showRepo(url)}: ${String(e)}`);
    }
    return Buffer.concat(chunks);
  }

  private index(repo: string): Promise<z.infer<typeof Index>> {
    const cached = this.indexes.get(repo);
    if (cached && Date.now() - cached.at < this.limits.indexTtlMs) return cached.index;
    const url = `${repo.replace(/\/+$/, '')}/index.yaml`;
    const index = this.get(url, this.limits.maxIndexBytes, 'chart repository index').then((bytes) => {
      let doc: unknown;
      try {
        doc = parse(Buffer.from(bytes).toString('utf8'), { maxAliasCount: 100 });
      } catch (e) {
        throw new ChartFetchError(
          ChartFetchFailure.Unreachable,
          `index.yaml of ${showRepo(repo)} does not parse: ${(e as Error).message}`,
        );
      }
      const parsed = Index.safeParse(doc);
      if (!parsed.success)
        throw new ChartFetchError(
          ChartFetchFailure.Unreachable,
          `index.yaml of ${showRepo(repo)} is not a chart index`,
        );
      return parsed.data;
    });
    index.catch(() => this.indexes.delete(repo));
    this.indexes.set(repo, { at: Date.now(), index });
    return index;
  }

  /** The chart's archive: `version` exactly, or the highest release when no version is given. */
  async fetchChart(repo: string, name: string, version: string | undefined): Promise<ChartArchive> {
    const entries = (await this.index(repo)).entries?.[name] ?? [];
    let entry: IndexEntry | undefined;
    if (version !== undefined)
      entry = entries.find((e) => e.version === version || e.version === version.replace(/^v/, ''));
    else
      entry = entries.filter((e) => !e.version.includes('-')).sort((a, b) => compareVersions(b.version, a.version))[0];
    if (!entry)
      throw new ChartFetchError(
        ChartFetchFailure.NotFound,
        `chart repository ${showRepo(repo)} has no chart "${name}"${version ? ` version ${version}` : ''}`,
      );
    const url = new URL(entry.urls[0]!, `${repo.replace(/\/+$/, '')}/`).toString();
    const key = `${url}#${entry.digest ?? ''}`;
    let archive = this.archives.get(key);
    if (!archive) {
      const digest = entry.digest;
      archive = this.get(url, this.limits.maxChartBytes, `chart archive`).then((bytes) => {
        if (digest && createHash('sha256').update(bytes).digest('hex') !== digest.replace(/^sha256:/, ''))
          throw new ChartFetchError(
            ChartFetchFailure.Unreachable,
            `chart archive ${showRepo(url)} does not match the index's digest`,
          );
        return bytes;
      });
      archive.catch(() => this.archives.delete(key));
      this.archives.set(key, archive);
      // Bounded: the oldest archive goes first (a Map iterates in insertion order).
      if (this.archives.size > MAX_ARCHIVES) this.archives.delete(this.archives.keys().next().value as string);
    }
    return { version: entry.version, url, bytes: await archive };
  }
}
