/**
 * The signed-commit policy on the control plane (FLEET_TRUSTED_KEYS_FILE): a branch head must carry
 * a valid OpenPGP signature by a trusted key and descend from every commit already accepted (the
 * revisions clusters are assigned and the last accepted head), else the planner rejects it and no
 * cluster moves. FLEET_SIGNING_KEY_FILE signs the revert commits the control plane writes, so
 * agents with the same trust set accept them. Both files are read at start; a bad file, or a
 * signing key outside the trust set, stops the start naming the file. openpgp.js is loaded only
 * when one of them is set.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import {
  ancestryOf,
  CommitSigner,
  notDescendantRefusal,
  refusalOf,
  TrustSet,
  verifyCommit,
  type CommitRefusal,
} from '@flotilla/gitops';
import type { ControlPlaneConfig } from '../../../config/config.schema.js';
import { CONFIG } from '../../../config/config.token.js';
import { FleetSource } from './fleet-source.js';

/** How far back an accepted commit is looked for before the head is refused as unproven. */
const MAX_ANCESTRY_COMMITS = 100_000;

async function readKeyFile(key: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${key}: cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}

@Injectable()
export class CommitPolicy implements OnModuleInit {
  private readonly logger = new Logger(CommitPolicy.name);
  private trust?: TrustSet;
  /** Signs revert commits; undefined without FLEET_SIGNING_KEY_FILE. */
  signer?: CommitSigner;

  constructor(
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly source: FleetSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const { FLEET_TRUSTED_KEYS_FILE: keys, FLEET_SIGNING_KEY_FILE: signing } = this.config;
    if (keys) {
      this.trust = await TrustSet.load([
        { name: `FLEET_TRUSTED_KEYS_FILE (${keys})`, armored: await readKeyFile('FLEET_TRUSTED_KEYS_FILE', keys) },
      ]);
      this.logger.log(
        `signed-commit policy on: branch heads must be signed by ${this.trust.described.map((k) => k.fingerprint).join(', ')}`,
      );
    }
    if (signing) {
      this.signer = await CommitSigner.load({
        name: `FLEET_SIGNING_KEY_FILE (${signing})`,
        armored: await readKeyFile('FLEET_SIGNING_KEY_FILE', signing),
      });
      if (this.trust && !this.trust.has(this.signer.fingerprint)) {
        throw new Error(
          `FLEET_SIGNING_KEY_FILE: key ${this.signer.fingerprint} is not in FLEET_TRUSTED_KEYS_FILE; agents would refuse the revert commits it signs`,
        );
      }
      this.logger.log(`revert commits are signed by ${this.signer.fingerprint}`);
    }
  }

  get enabled(): boolean {
    return this.trust !== undefined;
  }

  /**
   * Undefined when `head` may be rolled out: validly signed by a trusted key and equal to or built
   * on top of every commit in `accepted`. Otherwise the refusal (code and a reason naming the commit).
   */
  async refusal(head: string, accepted: readonly string[]): Promise<CommitRefusal | undefined> {
    if (!this.trust) return undefined;
    await this.source.treeAt(head);
    const gitdir = this.source.gitdir;
    const { object } = await git.readObject({ fs, gitdir, oid: head, format: 'content' });
    return (
      refusalOf(head, await verifyCommit(object as Uint8Array, this.trust)) ??
      (await this.descentRefusal(head, accepted))
    );
  }

  /** Undefined when `head` equals or is built on top of every commit in `accepted` (or the policy is off). */
  async descentRefusal(head: string, accepted: readonly string[]): Promise<CommitRefusal | undefined> {
    if (!this.trust || accepted.every((a) => a === head)) return undefined;
    await this.source.treeAt(head); // fetched when this process has not seen it yet (e.g. after a restart)
    const gitdir = this.source.gitdir;
    const cache = {};
    const readParents = (oid: string) =>
      git.readCommit({ fs, gitdir, oid, cache }).then(
        (c) => c.commit.parent,
        () => undefined,
      );
    for (const previous of new Set(accepted)) {
      const answer = await ancestryOf({ oid: head, ancestor: previous, readParents, maxCommits: MAX_ANCESTRY_COMMITS });
      if (answer === 'not-descendant') return notDescendantRefusal(head, previous);
      if (answer === 'incomplete')
        return notDescendantRefusal(head, previous, `not found within ${MAX_ANCESTRY_COMMITS} commits of its history`);
    }
    return undefined;
  }
}
