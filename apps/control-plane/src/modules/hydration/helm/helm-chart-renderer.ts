/**
 * The hub's Helm chart inflater for libs/gitops render(): materializes the chart (from the fleet
 * repository or an HTTP chart repository) and its values in a private folder, runs the pinned
 * `helm template` as kustomize's HelmChartInflationGenerator would, and classifies failures as
 * RenderErrors naming the kustomization, chart and reason. Identical inputs render once (memo).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import type { HelmChartInflater, HelmChartRequest, HelmChartSpec } from '@flotilla/gitops';
import { RenderError, RenderErrorCode } from '@flotilla/gitops';
import { parse } from 'yaml';
import { ChartFetchError, ChartFetchFailure, type ChartRepositoryClient, showRepo } from './chart-repository.js';
import { type ClusterFacts, ClusterValueError, substituteCluster, substituteClusterValues } from './cluster-values.js';
import { HelmRunError, runHelm } from './helm-runner.js';
import { mergeValues } from './values-merge.js';

export interface HelmChartRendererOptions {
  helmBin: string;
  repository: ChartRepositoryClient;
  /** Time limit of one `helm template`. */
  timeoutMs: number;
  /** Most bytes one `helm template` may print. */
  maxOutputBytes: number;
  /** Most helm processes at once. */
  concurrency: number;
  /** Where the private render folders go (default: the OS temp folder). */
  workDir?: string;
}

/** Rendered outputs kept for identical inputs; the oldest goes first. */
const MEMO_ENTRIES = 256;

type Chart =
  | { kind: 'local'; files: Record<string, Uint8Array>; id: string }
  | { kind: 'archive'; bytes: Uint8Array; version: string; id: string };

/** YAML as Go's yaml.v2 reads values (1.1 scalars, timestamps kept as text). */
function parseValues(text: string): unknown {
  return parse(text, {
    version: '1.1',
    maxAliasCount: 1000,
    customTags: (tags) =>
      tags.filter((t) => typeof t === 'string' || (t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME')),
  });
}

function sha256(parts: readonly (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : Buffer.from(p)).update('\0');
  return h.digest('hex');
}

/** kustomize's AsHelmArgs: the `helm template` command line for a chart at `chartPath`. */
export function templateArgs(chart: HelmChartSpec, chartPath: string, valuesFiles: readonly string[]): string[] {
  const args = ['template', chart.releaseName, chartPath];
  if (chart.namespace) args.push('--namespace', chart.namespace);
  if (chart.nameTemplate) args.push('--name-template', chart.nameTemplate);
  for (const f of valuesFiles) args.push('-f', f);
  for (const v of chart.apiVersions) args.push('--api-versions', v);
  if (chart.kubeVersion) args.push('--kube-version', chart.kubeVersion);
  if (chart.includeCRDs) args.push('--include-crds');
  if (chart.skipTests) args.push('--skip-tests');
  if (chart.skipHooks) args.push('--no-hooks');
  return args;
}

/** True when the request's values (inline or files) hold a `${cluster.…}` reference. */
export function refersToCluster(req: HelmChartRequest): boolean {
  const texts = [
    JSON.stringify(req.chart.valuesInline ?? {}),
    ...[req.valuesFile, ...req.additionalValuesFiles].map((f) => (f ? Buffer.from(f.content).toString('utf8') : '')),
  ];
  return texts.some((t) => t.includes('{cluster.'));
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export class HelmChartRenderer {
  private readonly memo = new Map<string, Promise<string>>();
  private readonly slots: Semaphore;
  /** How many `helm template` runs were started (identical inputs share one). */
  templatesRun = 0;

  constructor(private readonly opts: HelmChartRendererOptions) {
    this.slots = new Semaphore(opts.concurrency);
  }

  /**
   * The inflater to give render() for one cluster (its facts fill `${cluster.…}` in values).
   * `usage.cluster` turns true when a chart's values refer to the cluster: a render that never
   * does is the same for every cluster of its path.
   */
  inflater(cluster?: ClusterFacts, usage?: { cluster: boolean }): HelmChartInflater {
    return (request) => {
      if (usage && refersToCluster(request)) usage.cluster = true;
      return this.inflate(request, cluster);
    };
  }

  async inflate(req: HelmChartRequest, cluster: ClusterFacts | undefined): Promise<string> {
    const { chart } = req;
    const fail = (code: RenderErrorCode, reason: string): RenderError =>
      new RenderError(
        code,
        req.kustomization,
        `helm chart "${chart.name}"${chart.version ? ` ${chart.version}` : ''}${chart.repo ? ` from ${showRepo(chart.repo)}` : ''} (release "${chart.releaseName}"): ${reason}`,
      );
    const decode = (path: string, bytes: Uint8Array): string => {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw fail(RenderErrorCode.HelmValuesInvalid, `values file ${path} is not UTF-8 text`);
      }
    };
    const checkValues = (what: string, text: string): string => {
      let doc: unknown;
      try {
        doc = parseValues(text);
      } catch (e) {
        throw fail(RenderErrorCode.HelmValuesInvalid, `${what} does not parse: ${(e as Error).message.split('\n')[0]}`);
      }
      if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc)))
        throw fail(RenderErrorCode.HelmValuesInvalid, `${what} is not a mapping of values`);
      return text;
    };
    let inline: Record<string, unknown> | undefined;
    let valuesFile: string | undefined;
    let additional: string[];
    try {
      inline = chart.valuesInline
        ? (substituteClusterValues(chart.valuesInline, cluster) as Record<string, unknown>)
        : undefined;
      valuesFile = req.valuesFile
        ? checkValues(
            req.valuesFile.path,
            substituteCluster(decode(req.valuesFile.path, req.valuesFile.content), cluster),
          )
        : undefined;
      additional = req.additionalValuesFiles.map((f) =>
        checkValues(f.path, substituteCluster(decode(f.path, f.content), cluster)),
      );
    } catch (e) {
      if (e instanceof ClusterValueError) throw fail(RenderErrorCode.HelmValuesInvalid, e.message);
      throw e;
    }
    const source = await this.chartSource(req, fail);
    const key = sha256([
      JSON.stringify({ ...chart, valuesInline: inline ?? null }),
      source.id,
      valuesFile ?? '\u0001',
      ...additional,
    ]);
    let output = this.memo.get(key);
    if (!output) {
      this.templatesRun++;
      output = this.slots.run(() => this.template(req, source, { inline, valuesFile, additional }, fail));
      output.catch(() => this.memo.delete(key));
      this.memo.set(key, output);
      if (this.memo.size > MEMO_ENTRIES) this.memo.delete(this.memo.keys().next().value as string);
    }
    return output;
  }

  private async chartSource(
    req: HelmChartRequest,
    fail: (code: RenderErrorCode, reason: string) => RenderError,
  ): Promise<Chart> {
    if (req.localChart) {
      const names = Object.keys(req.localChart.files).sort();
      const id = sha256(names.flatMap((n) => [n, req.localChart!.files[n]!]));
      return { kind: 'local', files: req.localChart.files, id: `local:${id}` };
    }
    const repo = req.chart.repo;
    if (!repo) throw fail(RenderErrorCode.HelmChartNotFound, 'the chart is not in the repository and no repo is given');
    try {
      const archive = await this.opts.repository.fetchChart(repo, req.chart.name, req.chart.version);
      return {
        kind: 'archive',
        bytes: archive.bytes,
        version: archive.version,
        id: `archive:${sha256([archive.bytes])}`,
      };
    } catch (e) {
      if (e instanceof ChartFetchError)
        throw fail(
          e.failure === ChartFetchFailure.NotFound
            ? RenderErrorCode.HelmChartNotFound
            : RenderErrorCode.HelmRepoUnreachable,
          e.message,
        );
      throw e;
    }
  }

  private async template(
    req: HelmChartRequest,
    source: Chart,
    values: { inline: Record<string, unknown> | undefined; valuesFile: string | undefined; additional: string[] },
    fail: (code: RenderErrorCode, reason: string) => RenderError,
  ): Promise<string> {
    const home = await mkdtemp(join(this.opts.workDir ?? tmpdir(), 'flotilla-helm-'));
    const run = (args: string[]) =>
      runHelm({
        bin: this.opts.helmBin,
        args,
        home,
        timeoutMs: this.opts.timeoutMs,
        maxOutputBytes: this.opts.maxOutputBytes,
      });
    try {
      let chartPath: string;
      if (source.kind === 'local') {
        chartPath = join(home, 'chart', req.chart.name);
        for (const [rel, bytes] of Object.entries(source.files)) {
          const path = resolve(chartPath, rel);
          if (!path.startsWith(chartPath + sep))
            throw fail(RenderErrorCode.HelmRenderFailed, `chart file "${rel}" leaves the chart`);
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, bytes);
        }
      } else {
        chartPath = join(home, `${req.chart.name}-${source.version}.tgz`);
        await writeFile(chartPath, source.bytes);
      }
      const files: string[] = [];
      const write = async (text: string): Promise<void> => {
        const path = join(home, `values-${files.length}.yaml`);
        await writeFile(path, text);
        files.push(path);
      };
      let base = values.valuesFile;
      if (base === undefined) {
        if (source.kind === 'local') {
          const own = source.files['values.yaml'];
          base = own ? new TextDecoder().decode(own) : undefined;
        } else base = await run(['show', 'values', chartPath]);
      }
      if (values.inline) {
        if (req.chart.valuesMerge === 'replace') await write(JSON.stringify(values.inline));
        else {
          const doc = base === undefined ? null : parseValues(base);
          if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc)))
            throw fail(RenderErrorCode.HelmValuesInvalid, "the chart's values.yaml is not a mapping of values");
          const merged = mergeValues((doc ?? {}) as Record<string, unknown>, values.inline, req.chart.valuesMerge);
          await write(JSON.stringify(merged));
        }
      } else if (base !== undefined) await write(base);
      for (const text of values.additional) await write(text);
      return await run(templateArgs(req.chart, chartPath, files));
    } catch (e) {
      if (e instanceof HelmRunError) throw fail(RenderErrorCode.HelmRenderFailed, e.message);
      throw e;
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }
}
