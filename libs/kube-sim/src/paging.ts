// `limit`/`continue` paging of lists as a real server pages them (storage/etcd3): a continue token
// is base64 of {"v":"meta.k8s.io/v1","rv":…,"start":…}, the list goes on after the last key served,
// `remainingItemCount` counts what is left, and a token whose resourceVersion was compacted away
// gets 410 Expired with the real message and, in the Status's metadata, a token (rv -1) that goes
// on from the same key at the latest version, for clients that accept an inconsistent list.
import { errors, KubeError } from './errors.js';

export interface PagingRules {
  /** Whether this token (issued at `issuedAt` ms, for resourceVersion `rv`) is expired. */
  expired(rv: number, issuedAt: number): boolean;
}

interface Token {
  v: string;
  rv: number;
  start: string;
  /** When the token was issued (ms): kube-sim's stand-in for etcd compaction by age. */
  t?: number;
}

const INCONSISTENT_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

function encode(tok: Token): string {
  return Buffer.from(JSON.stringify(tok)).toString('base64url');
}

function decode(s: string): Token {
  try {
    const tok = JSON.parse(Buffer.from(s, 'base64').toString('utf8')) as Token;
    if (tok?.v !== 'meta.k8s.io/v1')
      throw new Error(`continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)`);
    if (typeof tok.rv !== 'number' || typeof tok.start !== 'string' || !tok.start)
      throw new Error('continue key is not valid: the continue token is malformed');
    return tok;
  } catch (e) {
    const m = (e as Error).message;
    throw errors.badRequest(
      m.startsWith('continue key') ? m : 'continue key is not valid: the continue token is malformed',
    );
  }
}

const keyOf = (o: any) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * One page of `items` (sorted by namespace/name, as the store lists them) for `limit` and
 * `continue`; the list's metadata gets `continue` and `remainingItemCount` when more is left.
 */
export function page(
  items: any[],
  q: { limit?: number; continue?: string },
  rv: number,
  metadata: Record<string, unknown>,
  rules: PagingRules | undefined,
): any[] {
  let out = items;
  let listRv = rv;
  let issuedAt = Date.now();
  if (q.continue) {
    const tok = decode(q.continue);
    if (tok.rv !== -1 && rules?.expired(tok.rv, tok.t ?? 0)) {
      const err = new KubeError(410, 'Expired', INCONSISTENT_CONTINUE);
      err.listMeta = { continue: encode({ v: 'meta.k8s.io/v1', rv: -1, start: tok.start }) };
      throw err;
    }
    if (tok.rv !== -1) listRv = tok.rv;
    issuedAt = tok.t ?? issuedAt;
    out = out.filter((o) => keyOf(o) >= tok.start);
  }
  metadata.resourceVersion = String(listRv);
  if (q.limit && out.length > q.limit) {
    const last = out[q.limit - 1];
    metadata.continue = encode({ v: 'meta.k8s.io/v1', rv: listRv, start: `${keyOf(last)}\u0000`, t: issuedAt });
    metadata.remainingItemCount = out.length - q.limit;
    out = out.slice(0, q.limit);
  }
  return out;
}
