/**
 * What one kustomize target accumulates (kustomize's ResAccumulator): its resources, and what travels up
 * from child kustomizations to their parents — custom field specs (`configurations`, `crds`) and `vars`.
 * A Component shares its parent's accumulator: it adds to it and transforms all of it.
 */
import type { Resource } from './resource.js';

export interface Accumulator {
  resources: Resource[];
}

export function newAccumulator(): Accumulator {
  return { resources: [] };
}
