/** kustomize's content hash for generated ConfigMaps and Secrets (api/hasher), bit for bit. */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../objects/kube-object.js';

/** JSON as Go's encoding/json writes it: sorted map keys, and <, >, &, U+2028, U+2029 escaped. */
export function goJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

function encodeHash(hex: string): string {
  const map: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => map[c] ?? c).join('');
}

/**
 * kustomize looks the name up as the single field "metadata/name", which never exists, so every
 * generated object hashes with an empty name (api/hasher getNodeValues). We do the same.
 */
const KUSTOMIZE_HASHED_NAME = '';

/** A field as kustomize's getNodeValues sees it: a mapping as-is, a scalar as its text, absent as "". */
function nodeValue(value: unknown): unknown {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return value;
  return String(value);
}

function isMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The 10-character suffix kustomize appends to a generated ConfigMap's or Secret's name. */
export function generatedNameHash(obj: KubeObject): string {
  let encoded: Record<string, unknown>;
  if (obj.kind === 'ConfigMap') {
    encoded = { kind: 'ConfigMap', name: KUSTOMIZE_HASHED_NAME, data: nodeValue(obj['data']) };
    if (isMapping(obj['binaryData'])) encoded['binaryData'] = obj['binaryData'];
  } else if (obj.kind === 'Secret') {
    encoded = {
      kind: 'Secret',
      type: nodeValue(obj['type']),
      name: KUSTOMIZE_HASHED_NAME,
      data: nodeValue(obj['data']),
    };
    if (isMapping(obj['stringData'])) encoded['stringData'] = obj['stringData'];
  } else {
    encoded = obj;
  }
  return encodeHash(createHash('sha256').update(goJson(encoded)).digest('hex'));
}
