/**
 * What one kustomize target accumulates (kustomize's ResAccumulator): its resources, and what travels up
 * from child kustomizations to their parents — custom field specs (`configurations`, `crds`) and `vars`.
 * A Component shares its parent's accumulator: it adds to it and transforms all of it.
 */
import type { TransformerConfig } from './configurations.js';
import { mergeConfig } from './configurations.js';
import { kustomizeDefaultExtras } from './kustomize-defaults.js';
import type { BuildMetadata } from './build-metadata.js';
import type { Resource } from './resource.js';
import type { SortOrder } from './sort-options.js';
import type { VarSet } from './vars.js';
import { addVar } from './vars.js';

export interface Accumulator {
  resources: Resource[];
  /** Custom field specs from `configurations` (and `crds`), this level's and its children's. */
  config: TransformerConfig;
  /** `vars` declared here and below, each bound to its object. */
  vars: VarSet;
  /** The top kustomization's output order (`sortOptions`), set on the top accumulator only. */
  sort?: SortOrder;
  /** The top kustomization's `buildMetadata`. */
  buildMetadata?: BuildMetadata;
}

export function newAccumulator(): Accumulator {
  return { resources: [], config: kustomizeDefaultExtras(), vars: new Map() };
}

/** What a child kustomization hands up besides its resources (kustomize's MergeAccumulator). */
export function mergeChild(into: Accumulator, child: Accumulator): void {
  mergeConfig(into.config, child.config);
  for (const v of child.vars.values()) addVar(into.vars, v);
}
