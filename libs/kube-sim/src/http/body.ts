// Reading and decoding request bodies: a 3 MiB limit (413 beyond it), JSON or YAML by
// Content-Type (415 for anything else), 400 for bodies that do not parse.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors, KubeError } from '../errors.js';
import { refuseUnsafeKeys } from './unsafe-keys.js';
import { decodeProtobuf } from './protobuf.js';

export const MAX_BODY = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY) {
      reject(errors.tooLarge(MAX_BODY));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(errors.tooLarge(MAX_BODY));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function mediaType(req: IncomingMessage): string {
  // Up to the first ';' by index: split made an array of every parameter on each write.
  const h = String(req.headers['content-type'] ?? '');
  const semi = h.indexOf(';');
  return (semi < 0 ? h : h.slice(0, semi)).trim().toLowerCase();
}

const WRITE_TYPES = ['application/json', 'application/yaml'];
const PATCH_TYPES: Record<string, 'json' | 'merge' | 'strategic' | 'apply'> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** Patch media types by target: custom resources take no strategic merge patch. Worked out once, not per request. */
const PATCH_ACCEPTED = {
  builtin: Object.keys(PATCH_TYPES),
  custom: Object.keys(PATCH_TYPES).filter((k) => PATCH_TYPES[k] !== 'strategic'),
};

function decode(raw: Buffer, yaml: boolean): unknown {
  const text = raw.toString('utf8');
  if (!text.trim()) throw errors.badRequest('the request body is empty: expected an object');
  try {
    return refuseUnsafeKeys(JSON.parse(text));
  } catch (e) {
    if (e instanceof KubeError) throw e;
    if (!yaml) throw errors.badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
  try {
    return refuseUnsafeKeys(parseYaml(text, { maxAliasCount: 100 }));
  } catch (e) {
    if (e instanceof KubeError) throw e;
    throw errors.badRequest(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The decoded body of a create/update request. */
export function decodeWrite(req: IncomingMessage, raw: Buffer): unknown {
  const mt = mediaType(req);
  if (mt === 'application/vnd.kubernetes.protobuf') return refuseUnsafeKeys(decodeProtobuf(raw));
  if (!WRITE_TYPES.includes(mt))
    throw errors.unsupportedMediaType(mt, [...WRITE_TYPES, 'application/vnd.kubernetes.protobuf']);
  return decode(raw, mt === 'application/yaml');
}

/** The patch type and decoded patch of a PATCH request. */
export function decodePatch(
  req: IncomingMessage,
  raw: Buffer,
  builtin: boolean,
): { type: 'json' | 'merge' | 'strategic' | 'apply'; patch: unknown } {
  const mt = mediaType(req);
  const type = PATCH_TYPES[mt];
  const accepted = builtin ? PATCH_ACCEPTED.builtin : PATCH_ACCEPTED.custom;
  if (!type || !accepted.includes(mt)) throw errors.unsupportedMediaType(mt, accepted);
  return { type, patch: decode(raw, type === 'apply') };
}
