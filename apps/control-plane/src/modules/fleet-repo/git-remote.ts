/**
 * Reads a branch head from a smart-HTTP Git remote (isomorphic-git; no clone, refs only), each
 * attempt under a time limit, retried with backoff (a slow or briefly unreachable host is not an
 * answer); and the same guard for any other Git network call (`withGitRetries`).
 */
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { redactUrl } from '@flotilla/gitops';

export interface RemoteBranch {
  url: string;
  branch: string;
  username?: string;
  token?: string;
  timeoutMs: number;
  /** Retries after the first attempt (default 0). */
  retries?: number;
  /** First backoff (doubling, default 500 ms). */
  backoffMs?: number;
}

export interface RetryOptions {
  timeoutMs: number;
  retries?: number;
  backoffMs?: number;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `attempt` under a time limit, retrying a failure with doubling backoff; the last error names the attempts. */
export async function withGitRetries<T>(attempt: () => Promise<T>, what: string, o: RetryOptions): Promise<T> {
  const retries = o.retries ?? 0;
  for (let i = 0; ; i++) {
    try {
      return await withTimeout(attempt(), o.timeoutMs, what);
    } catch (error) {
      if (i >= retries) {
        const tries = retries ? ` (${retries + 1} attempts)` : '';
        throw new Error(`${(error as Error).message}${tries}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, (o.backoffMs ?? 500) * 2 ** i));
    }
  }
}

/** The commit SHA the branch points at; throws an Error naming the problem (unreachable, missing branch). */
export async function readBranchHead(remote: RemoteBranch): Promise<string> {
  const ref = `refs/heads/${remote.branch}`;
  const onAuth = remote.token
    ? () => ({ username: remote.username ?? 'x-access-token', password: remote.token })
    : undefined;
  let refs: { ref: string; oid: string }[];
  try {
    refs = await withGitRetries(
      () => git.listServerRefs({ http, url: remote.url, prefix: ref, protocolVersion: 2, onAuth }),
      'listing refs',
      remote,
    );
  } catch (error) {
    throw new Error(`cannot read ${redactUrl(remote.url)}: ${(error as Error).message}`, { cause: error });
  }
  const head = refs.find((r) => r.ref === ref);
  if (!head) throw new Error(`branch ${remote.branch} does not exist in ${redactUrl(remote.url)}`);
  return head.oid;
}
