/** Reading status.conditions and generations, shared by the per-kind health checks. */
import type { KubeObject } from '../objects/kube-object.js';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
}

export function statusOf(obj: KubeObject): Record<string, unknown> {
  const status = obj['status'];
  return status && typeof status === 'object' ? (status as Record<string, unknown>) : {};
}

export function specOf(obj: KubeObject): Record<string, unknown> {
  const spec = obj['spec'];
  return spec && typeof spec === 'object' ? (spec as Record<string, unknown>) : {};
}

export function conditionOf(obj: KubeObject, type: string): Condition | undefined {
  const conditions = statusOf(obj)['conditions'];
  if (!Array.isArray(conditions)) return undefined;
  return conditions.find((c: Condition | undefined) => c?.type === type) as Condition | undefined;
}

export function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** True when the controller has not yet seen the latest spec. */
export function generationPending(obj: KubeObject): boolean {
  const generation = obj.metadata['generation'];
  const observed = statusOf(obj)['observedGeneration'];
  return typeof generation === 'number' && typeof observed === 'number' && observed < generation;
}

export function describeCondition(c: Condition): string {
  return [c.reason, c.message].filter(Boolean).join(': ') || `${c.type}=${c.status}`;
}
