/** Reads a branch head from a smart-HTTP Git remote (isomorphic-git; no clone, refs only). */
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { redactUrl } from '@flotilla/gitops';

export interface RemoteBranch {
  url: string;
  branch: string;
  username?: string;
  token?: string;
  timeoutMs: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The commit SHA the branch points at; throws an Error naming the problem (unreachable, missing branch). */
export async function readBranchHead(remote: RemoteBranch): Promise<string> {
  const ref = `refs/heads/${remote.branch}`;
  const onAuth = remote.token
    ? () => ({ username: remote.username ?? 'x-access-token', password: remote.token })
    : undefined;
  let refs: { ref: string; oid: string }[];
  try {
    refs = await withTimeout(
      git.listServerRefs({ http, url: remote.url, prefix: ref, protocolVersion: 2, onAuth }),
      remote.timeoutMs,
      'listing refs',
    );
  } catch (error) {
    throw new Error(`cannot read ${redactUrl(remote.url)}: ${(error as Error).message}`, { cause: error });
  }
  const head = refs.find((r) => r.ref === ref);
  if (!head) throw new Error(`branch ${remote.branch} does not exist in ${redactUrl(remote.url)}`);
  return head.oid;
}
