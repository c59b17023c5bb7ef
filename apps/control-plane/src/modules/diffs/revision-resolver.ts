/**
 * Turns what a person types as a revision (a full SHA, a short SHA, a branch name) into a commit
 * of the fleet repository, using the rollouts module's FleetSource store (no second fetcher). A
 * branch other than the tracked one (a pull request's head, not merged yet) is fetched into the
 * store; a full SHA the tracked branch does not hold is looked for on every branch.
 */
import { Inject, Injectable } from '@nestjs/common';
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import type { RepoTree } from '@flotilla/gitops';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { redactUrl } from '@flotilla/gitops';
import { FleetSource } from '../rollouts/git/fleet-source.js';
import { DiffsException, DiffsExceptionCode } from './diffs.exception.js';

const FULL_SHA = /^[0-9a-f]{40}$/i;
const SHORT_SHA = /^[0-9a-f]{4,39}$/i;
/** A Git branch name without the forms Git refuses (no spaces, `~^:?*[\\`, leading `-` or `/`). */
const VALID_BRANCH = /^(?![-/.])[A-Za-z0-9._/-]{1,200}$/;
const unknown = (revision: string, why: string) =>
  new DiffsException(`revision ${revision} ${why}`, DiffsExceptionCode.InvalidInput, 'revision');

@Injectable()
export class RevisionResolver {
  constructor(
    private readonly source: FleetSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  /** The full commit SHA `revision` names; BAD_USER_INPUT naming `revision` when it names none. */
  async resolve(revision: string): Promise<string> {
    this.requireRepo();
    if (FULL_SHA.test(revision)) return revision.toLowerCase();
    const head = await this.fetch();
    if (revision === this.config.FLEET_BRANCH || revision === 'HEAD') return head;
    if (SHORT_SHA.test(revision)) {
      const oid = await git
        .expandOid({ fs, gitdir: this.source.gitdir, oid: revision.toLowerCase() })
        .catch(() => undefined);
      if (oid) return oid;
    }
    const branch = revision.startsWith('refs/heads/') ? revision.slice('refs/heads/'.length) : revision;
    if (!VALID_BRANCH.test(branch) || branch.includes('..'))
      throw unknown(revision, 'is not a commit or branch of the fleet repository');
    return this.source.fetchBranch(branch).catch(() => {
      throw unknown(revision, 'is not a commit or branch of the fleet repository');
    });
  }

  /** The tree of a resolved commit; `revision` is what the caller named (for the error). */
  async treeAt(sha: string, revision = sha): Promise<RepoTree> {
    const found = await this.source.find(sha).catch(() => false);
    if (!found) throw unknown(revision, 'is not in the fleet repository (on none of its branches)');
    return this.source.treeAt(sha);
  }

  private requireRepo(): void {
    if (!this.config.FLEET_REPO_URL)
      throw new DiffsException(
        'FLEET_REPO_URL is not configured: there is no fleet repository to diff',
        DiffsExceptionCode.Unavailable,
      );
  }

  private async fetch(): Promise<string> {
    const url = this.config.FLEET_REPO_URL!;
    return this.source.fetch().catch((e: unknown) => {
      const reason = (e as Error).message.replaceAll(url, redactUrl(url));
      throw new DiffsException(
        `cannot fetch the fleet repository ${redactUrl(url)}: ${reason}`,
        DiffsExceptionCode.Unavailable,
      );
    });
  }
}
