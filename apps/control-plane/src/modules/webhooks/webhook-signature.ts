/**
 * Webhook authenticity, per provider, in constant time: GitHub `X-Hub-Signature-256:
 * sha256=<hex HMAC-SHA256 of the raw body>`, Gitea `X-Gitea-Signature: <hex HMAC-SHA256>`, GitLab
 * `X-Gitlab-Token: <the secret itself>`. The HMAC is over the exact bytes received.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const GitProvider = { GitHub: 'github', GitLab: 'gitlab', Gitea: 'gitea' } as const;
export type GitProvider = (typeof GitProvider)[keyof typeof GitProvider];

/** Compares two strings in time independent of where they differ (both hashed to equal length first). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export function hmacHex(secret: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export interface SignedRequest {
  provider: GitProvider;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  rawBody: Uint8Array;
}

const header = (h: SignedRequest['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** True when the request carries a valid signature (or token) for `secret`. */
export function verifySignature(req: SignedRequest, secret: string): boolean {
  switch (req.provider) {
    case GitProvider.GitHub: {
      const sig = header(req.headers, 'x-hub-signature-256') ?? '';
      return constantTimeEqual(sig.toLowerCase(), `sha256=${hmacHex(secret, req.rawBody)}`);
    }
    case GitProvider.Gitea: {
      const sig = header(req.headers, 'x-gitea-signature') ?? '';
      return constantTimeEqual(sig.toLowerCase(), hmacHex(secret, req.rawBody));
    }
    case GitProvider.GitLab:
      return constantTimeEqual(header(req.headers, 'x-gitlab-token') ?? '', secret);
  }
}
