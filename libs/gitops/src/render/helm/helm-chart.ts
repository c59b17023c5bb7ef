/**
 * The kustomize `helmCharts` / `helmGlobals` fields, validated, and the request the pure build hands
 * to a chart inflater (the hub runs `helm template`; libs/gitops never runs a process).
 * Schema: kustomize's HelmChartInflationGenerator (api/types/helmchartargs.go).
 */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';

export const VALUES_MERGE = ['override', 'merge', 'replace'] as const;
export type ValuesMerge = (typeof VALUES_MERGE)[number];

export interface HelmChartSpec {
  name: string;
  version?: string;
  /** An HTTP(S) chart repository; charts not found under the chart home are fetched from it. */
  repo?: string;
  releaseName: string;
  namespace?: string;
  nameTemplate?: string;
  valuesInline?: Record<string, unknown>;
  valuesMerge: ValuesMerge;
  includeCRDs: boolean;
  skipTests: boolean;
  skipHooks: boolean;
  apiVersions: string[];
  kubeVersion?: string;
}

export interface HelmValuesFile {
  /** Repo-relative path. */
  path: string;
  content: Uint8Array;
}

export interface HelmChartRequest {
  /** The kustomization file that names the chart (errors name it). */
  kustomization: string;
  chart: HelmChartSpec;
  /** The chart's files (paths relative to the chart directory) when it lives in the repository. */
  localChart?: { path: string; files: Record<string, Uint8Array> };
  /** The `valuesFile` the kustomization names; when absent the chart's own values.yaml is the base. */
  valuesFile?: HelmValuesFile;
  additionalValuesFiles: HelmValuesFile[];
}

/** Renders one chart; resolves to `helm template`'s output (a YAML stream). Throws RenderError. */
export type HelmChartInflater = (request: HelmChartRequest) => Promise<string>;

const CHART_KEYS = [
  'name',
  'version',
  'repo',
  'releaseName',
  'namespace',
  'nameTemplate',
  'valuesFile',
  'additionalValuesFiles',
  'valuesInline',
  'valuesMerge',
  'includeCRDs',
  'skipTests',
  'skipHooks',
  'apiVersions',
  'kubeVersion',
] as const;

/** kustomize's `releaseName` rules are helm's: a DNS-1123 label of at most 53 characters. */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CHART_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface ParsedHelmChart {
  chart: HelmChartSpec;
  valuesFile?: string;
  additionalValuesFiles: string[];
}

function str(file: string, where: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `${where} must be a non-empty string`);
  return value;
}

function bool(file: string, where: string, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean')
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `${where} must be true or false`);
  return value;
}

function strings(file: string, where: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === ''))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `${where} must be a list of strings`);
  return value as string[];
}

/** Validates `helmCharts[index]` of `file`; errors name the entry and the field. */
export function parseHelmChart(file: string, index: number, raw: unknown): ParsedHelmChart {
  const at = `helmCharts[${index}]`;
  if (!isPlainObject(raw)) throw new RenderError(RenderErrorCode.InvalidKustomization, file, `${at} must be a mapping`);
  for (const key of Object.keys(raw)) {
    if (!(CHART_KEYS as readonly string[]).includes(key))
      throw new RenderError(
        RenderErrorCode.UnsupportedField,
        file,
        `"${at}.${key}" is not supported (supported: ${CHART_KEYS.join(', ')})`,
      );
  }
  const name = str(file, `${at}.name`, raw['name']);
  if (!name) throw new RenderError(RenderErrorCode.InvalidKustomization, file, `${at}.name is required`);
  if (!CHART_NAME.test(name))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `${at}.name "${name}" is not a chart name`);
  const releaseName = str(file, `${at}.releaseName`, raw['releaseName']);
  if (!releaseName)
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      file,
      `${at} (chart "${name}") needs a releaseName: a generated name would change on every render`,
    );
  if (releaseName.length > 53 || !RELEASE_NAME.test(releaseName))
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      file,
      `${at}.releaseName "${releaseName}" must be a DNS-1123 label of at most 53 characters`,
    );
  const repo = str(file, `${at}.repo`, raw['repo']);
  if (repo !== undefined && !/^https?:\/\//i.test(repo))
    throw new RenderError(
      RenderErrorCode.UnsupportedField,
      file,
      `${at}.repo "${repo}": only HTTP(S) chart repositories are supported`,
    );
  const valuesInline = raw['valuesInline'];
  if (valuesInline !== undefined && valuesInline !== null && !isPlainObject(valuesInline))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `${at}.valuesInline must be a mapping`);
  const valuesMerge = str(file, `${at}.valuesMerge`, raw['valuesMerge']) ?? 'override';
  if (!(VALUES_MERGE as readonly string[]).includes(valuesMerge))
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      file,
      `${at}.valuesMerge must be one of ${VALUES_MERGE.join(', ')}, got "${valuesMerge}"`,
    );
  const chart: HelmChartSpec = {
    name,
    releaseName,
    valuesMerge: valuesMerge as ValuesMerge,
    includeCRDs: bool(file, `${at}.includeCRDs`, raw['includeCRDs']),
    skipTests: bool(file, `${at}.skipTests`, raw['skipTests']),
    skipHooks: bool(file, `${at}.skipHooks`, raw['skipHooks']),
    apiVersions: strings(file, `${at}.apiVersions`, raw['apiVersions']),
  };
  const optional = {
    version: str(file, `${at}.version`, raw['version']),
    repo,
    namespace: str(file, `${at}.namespace`, raw['namespace']),
    nameTemplate: str(file, `${at}.nameTemplate`, raw['nameTemplate']),
    kubeVersion: str(file, `${at}.kubeVersion`, raw['kubeVersion']),
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(chart, { [key]: value });
  if (isPlainObject(valuesInline) && Object.keys(valuesInline).length > 0) chart.valuesInline = valuesInline;
  const valuesFile = str(file, `${at}.valuesFile`, raw['valuesFile']);
  return {
    chart,
    ...(valuesFile !== undefined ? { valuesFile } : {}),
    additionalValuesFiles: strings(file, `${at}.additionalValuesFiles`, raw['additionalValuesFiles']),
  };
}

/** `helmGlobals.chartHome` (default `charts`), relative to the kustomization. */
export function parseChartHome(file: string, raw: unknown): string {
  if (raw === undefined || raw === null) return 'charts';
  if (!isPlainObject(raw))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, '"helmGlobals" must be a mapping');
  for (const key of Object.keys(raw)) {
    if (key !== 'chartHome' && key !== 'configHome')
      throw new RenderError(RenderErrorCode.UnsupportedField, file, `"helmGlobals.${key}" is not supported`);
  }
  // configHome names a directory of the machine that runs helm; the hub gives every render its own.
  return str(file, 'helmGlobals.chartHome', raw['chartHome']) ?? 'charts';
}
