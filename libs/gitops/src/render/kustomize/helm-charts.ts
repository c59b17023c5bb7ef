/**
 * kustomize's `helmCharts`: each chart is inflated by the inflater the caller gave render() (the hub
 * runs the pinned `helm template`); its output joins the resources like a generator's, before patches
 * and transformers, as kustomize's HelmChartInflationGenerator does. Without an inflater (an agent
 * rendering its own path) the field is refused: charts are rendered on the hub (hydration).
 */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { joinRepoPath, normalizeRepoPath, resolveRepoPath } from '../../tree/repo-path.js';
import { parseYamlDocuments } from '../../yaml/parse-manifests.js';
import type { HelmValuesFile } from '../helm/helm-chart.js';
import { parseChartHome, parseHelmChart } from '../helm/helm-chart.js';
import { toKubeObjects } from '../manifest-objects.js';
import type { RenderContext } from '../render-context.js';
import type { Kustomization } from './kustomization.js';
import type { Resource } from './resource.js';
import { newResource } from './resource.js';

/** Every file under `dir`, keyed by its path relative to `dir`, read through the context's safe reads. */
async function readChartDir(ctx: RenderContext, dir: string, from: string): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const name of await ctx.listDir(rel === '' ? dir : joinRepoPath(dir, rel))) {
      const child = rel === '' ? name : `${rel}/${name}`;
      const path = joinRepoPath(dir, child);
      const entry = await ctx.entry(path);
      if (entry?.type === 'dir') await walk(child);
      else if (entry?.type === 'file') files[child] = await ctx.readFile(path, from);
    }
  };
  await walk('');
  return files;
}

async function readValuesFile(ctx: RenderContext, k: Kustomization, ref: string): Promise<HelmValuesFile> {
  const path = resolveRepoPath(k.dir, ref, k.file);
  return { path, content: await ctx.readFile(path, k.file) };
}

export async function runHelmCharts(ctx: RenderContext, k: Kustomization, resources: Resource[]): Promise<void> {
  const charts = k.raw['helmCharts'];
  if (charts === undefined || charts === null) return;
  if (!Array.isArray(charts))
    throw new RenderError(RenderErrorCode.InvalidKustomization, k.file, '"helmCharts" must be a list of mappings');
  if (charts.length === 0) return;
  const inflate = ctx.helm;
  if (!inflate)
    throw new RenderError(
      RenderErrorCode.UnsupportedField,
      k.file,
      'kustomization field "helmCharts" needs hydration: Helm charts are rendered on the hub into the rendered branch, and this fleet has hydration off',
    );
  const chartHome = parseChartHome(k.file, k.raw['helmGlobals']);
  const home = resolveRepoPath(k.dir, chartHome, k.file);
  for (const [index, raw] of charts.entries()) {
    const parsed = parseHelmChart(k.file, index, raw);
    const { chart } = parsed;
    const chartDir = joinRepoPath(home, normalizeRepoPath(chart.name, k.file));
    const local = (await ctx.entry(chartDir))?.type === 'dir';
    if (!local && !chart.repo)
      throw new RenderError(
        RenderErrorCode.HelmChartNotFound,
        k.file,
        `helm chart "${chart.name}": no repo given and no chart at "${chartDir}"`,
      );
    const valuesFile = parsed.valuesFile ? await readValuesFile(ctx, k, parsed.valuesFile) : undefined;
    const additionalValuesFiles: HelmValuesFile[] = [];
    for (const ref of parsed.additionalValuesFiles) additionalValuesFiles.push(await readValuesFile(ctx, k, ref));
    const output = await inflate({
      kustomization: k.file,
      chart,
      ...(local ? { localChart: { path: chartDir, files: await readChartDir(ctx, chartDir, k.file) } } : {}),
      ...(valuesFile ? { valuesFile } : {}),
      additionalValuesFiles,
    });
    const label = `${k.file} (helm chart "${chart.name}", release "${chart.releaseName}")`;
    const bytes = new TextEncoder().encode(output);
    const docs = parseYamlDocuments(label, bytes, {
      ...ctx.options,
      maxFileBytes: Math.max(ctx.options.maxFileBytes, bytes.byteLength),
    });
    for (const obj of toKubeObjects(label, docs)) resources.push(newResource(obj, k.file));
  }
}
