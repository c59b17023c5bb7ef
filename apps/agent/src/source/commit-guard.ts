/**
 * The signed-commit policy on the agent (--trusted-keys): before anything of a desired commit is
 * rendered, the commit must carry a valid OpenPGP signature by a key of the trust set, and must be
 * the commit the cluster runs now or built on top of it (a rewritten history or a force-push back
 * to an older commit is refused; a rollout's revert commit is built on the branch head, so it
 * passes). A refusal is an AgentError COMMIT_* naming the commit and why; it is not retryable.
 * openpgp.js is loaded only here, so an agent without the flag never pays for it.
 */
import { readFile } from 'node:fs/promises';
import { notDescendantRefusal, refusalOf, TrustSet, verifyCommit, type CommitRefusal } from '@flotilla/gitops';
import type { DesiredState } from '@flotilla/protocol';
import { AgentError, ErrorCode } from '../errors.js';
import type { Fetcher } from './fetcher.js';

export interface CommitAcceptance {
  /** Fingerprint of the key that signed the commit. */
  signer: string;
}

export class CommitGuard {
  /** Commits whose signature already verified (objects are immutable and the trust set is fixed). */
  private readonly verified = new Map<string, string>();

  private constructor(
    private readonly trust: TrustSet,
    private readonly fetcher: Fetcher,
  ) {}

  /** Reads the armored keys file; a missing or bad file is INVALID_CONFIG naming it. */
  static async fromFile(path: string, fetcher: Fetcher): Promise<CommitGuard> {
    let armored: string;
    try {
      armored = await readFile(path, 'utf8');
    } catch (e) {
      throw new AgentError(
        `cannot read the trusted keys file ${path}: ${(e as Error).message}`,
        ErrorCode.InvalidConfig,
        { path },
      );
    }
    try {
      return new CommitGuard(await TrustSet.load([{ name: path, armored }]), fetcher);
    } catch (e) {
      throw new AgentError(`invalid trusted keys: ${(e as Error).message}`, ErrorCode.InvalidConfig, { path });
    }
  }

  get keys(): readonly string[] {
    return this.trust.described.map((k) => k.fingerprint);
  }

  /** Accepts the desired commit (already fetched) or throws the refusal; `running` is the revision applied now. */
  async check(
    desired: Pick<DesiredState, 'repoUrl' | 'branch' | 'revision'>,
    running: string | undefined,
  ): Promise<CommitAcceptance> {
    const signer = this.verified.get(desired.revision) ?? (await this.verify(desired));
    if (running && running !== desired.revision) {
      const ancestry = await this.fetcher.ancestry(desired, desired.revision, running);
      if (ancestry === 'not-descendant') throw refusal(notDescendantRefusal(desired.revision, running));
      if (ancestry === 'incomplete')
        throw refusal(
          notDescendantRefusal(desired.revision, running, 'not found among its ancestors within the fetch bound'),
        );
    }
    return { signer };
  }

  private async verify(desired: Pick<DesiredState, 'repoUrl' | 'revision'>): Promise<string> {
    const verdict = await verifyCommit(
      await this.fetcher.readCommitObject(desired.repoUrl, desired.revision),
      this.trust,
    );
    if (verdict.status !== 'valid') throw refusal(refusalOf(desired.revision, verdict));
    if (this.verified.size >= 1000) this.verified.clear();
    this.verified.set(desired.revision, verdict.fingerprint);
    return verdict.fingerprint;
  }
}

function refusal(r: CommitRefusal): AgentError {
  return new AgentError(r.reason, r.code, { retryable: false });
}
