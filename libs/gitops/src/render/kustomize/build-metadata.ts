/**
 * `buildMetadata` of the top kustomization, as kubectl v1.33 writes it: `managedByLabel` sets
 * `app.kubernetes.io/managed-by: kustomize-(devel)` (the version string kubectl's embedded kustomize
 * reports), `originAnnotations` sets `config.kubernetes.io/origin` — the file an object came from, or
 * the kustomization and generator that made it, relative to the top directory. `transformerAnnotations`
 * (alpha: every transformer that touched an object) is refused by name.
 */
import { posix } from 'node:path';
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import type { Resource } from './resource.js';

export const MANAGED_BY_VALUE = 'kustomize-(devel)';
const OPTIONS = ['originAnnotations', 'managedByLabel', 'transformerAnnotations'];

export interface BuildMetadata {
  origin: boolean;
  managedBy: boolean;
}

export function parseBuildMetadata(file: string, raw: unknown): BuildMetadata {
  if (raw === undefined || raw === null) return { origin: false, managedBy: false };
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string'))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, '"buildMetadata" must be a list of strings');
  for (const option of raw as string[]) {
    if (option === 'transformerAnnotations')
      throw new RenderError(
        RenderErrorCode.UnsupportedField,
        file,
        '"buildMetadata: transformerAnnotations" is not supported (alpha in kustomize); originAnnotations and managedByLabel are',
      );
    if (!OPTIONS.includes(option))
      throw new RenderError(
        RenderErrorCode.InvalidKustomization,
        file,
        `buildMetadata option "${option}" is not one of ${OPTIONS.join(', ')}`,
      );
  }
  return { origin: raw.includes('originAnnotations'), managedBy: raw.includes('managedByLabel') };
}

function origin(res: Resource, topDir: string): string {
  const rel = posix.relative(topDir === '' ? '.' : topDir, res.file) || '.';
  if (!res.generated) return `path: ${rel}\n`;
  const kind = res.obj.kind === 'Secret' ? 'SecretGenerator' : 'ConfigMapGenerator';
  return `configuredIn: ${rel}\nconfiguredBy:\n  apiVersion: builtin\n  kind: ${kind}\n`;
}

export function applyBuildMetadata(resources: readonly Resource[], topDir: string, meta: BuildMetadata): void {
  if (!meta.origin && !meta.managedBy) return;
  for (const res of resources) {
    const m = res.obj.metadata;
    if (meta.managedBy) m.labels = { ...m.labels, 'app.kubernetes.io/managed-by': MANAGED_BY_VALUE };
    if (meta.origin) m.annotations = { ...m.annotations, 'config.kubernetes.io/origin': origin(res, topDir) };
  }
}
