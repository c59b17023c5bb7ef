/** Render limits and their defaults. */
import type { ParseCache } from '../yaml/parse-cache.js';
import type { HelmChartInflater } from './helm/helm-chart.js';
import type { YamlLimits } from '../yaml/parse-manifests.js';
import { DEFAULT_YAML_LIMITS } from '../yaml/parse-manifests.js';

export interface RenderOptions extends Partial<YamlLimits> {
  /** Most objects one render may produce. */
  maxObjects?: number;
  /** Most files one render may read. */
  maxFiles?: number;
  /** Deepest chain of kustomizations referencing kustomizations. */
  maxKustomizeDepth?: number;
}

export type ResolvedRenderOptions = Required<RenderOptions>;

export interface RenderExtras {
  /** Parsed-YAML memo shared across renders (e.g. one per agent), keyed by content hash. */
  cache?: ParseCache;
  /** Inflates kustomize `helmCharts` (the hub's `helm template`); without it `helmCharts` is refused. */
  helm?: HelmChartInflater;
}

export const DEFAULT_RENDER_OPTIONS: ResolvedRenderOptions = {
  ...DEFAULT_YAML_LIMITS,
  maxObjects: 10_000,
  maxFiles: 10_000,
  maxKustomizeDepth: 20,
};

export function resolveRenderOptions(options: RenderOptions & RenderExtras = {}): ResolvedRenderOptions {
  const out = { ...DEFAULT_RENDER_OPTIONS };
  for (const [key, value] of Object.entries(options) as Array<
    [keyof ResolvedRenderOptions | 'cache' | 'helm', number | undefined]
  >) {
    if (value === undefined || key === 'cache' || key === 'helm') continue;
    if (!Number.isInteger(value) || value <= 0)
      throw new TypeError(`render option ${key} must be a positive integer, got ${value}`);
    out[key] = value;
  }
  return out;
}
