// The size limit a real API server puts on ConfigMaps and Secrets (core.MaxSecretSize, 1 MiB):
// a ConfigMap counts its keys and values (data and binaryData), a Secret its decoded values.
// Checked on every write like the other validation, answered as 422 Invalid with the same text.
import type { StatusCause } from './errors.js';
import type { ResourceType } from './resources.js';

export const MAX_CONFIG_SIZE = 1024 * 1024;

export function sizeCauses(t: ResourceType, obj: any): StatusCause[] {
  if (!t.builtin || (t.kind !== 'ConfigMap' && t.kind !== 'Secret')) return [];
  let total = 0;
  if (t.kind === 'ConfigMap') {
    for (const [k, v] of Object.entries(obj.data ?? {})) total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
    for (const [k, v] of Object.entries(obj.binaryData ?? {}))
      total += Buffer.byteLength(k) + Buffer.from(String(v), 'base64').length;
  } else {
    for (const v of Object.values(obj.data ?? {})) total += Buffer.from(String(v), 'base64').length;
  }
  if (total <= MAX_CONFIG_SIZE) return [];
  return [
    {
      reason: 'FieldValueTooLong',
      message: `Too long: must have at most ${MAX_CONFIG_SIZE} bytes`,
      field: t.kind === 'Secret' ? 'data' : '[]',
    },
  ];
}
