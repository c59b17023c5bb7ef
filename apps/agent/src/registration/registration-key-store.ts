/**
 * The key pair the agent registers with, kept on disk (0600) BEFORE the first registration
 * request: a crash or a lost answer between registering and saving the credential leaves the
 * key behind, and the next start retries with the same token and key, which the hub answers
 * with the same cluster and a fresh credential. Removed once the credential is stored.
 */
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fromSeed } from '@nats-io/nkeys';
import { createUser } from '@flotilla/nats-auth';
import { z } from 'zod';
import { AgentError, ErrorCode } from '../errors.js';
import { writePrivateFile } from './private-file.js';

export const REGISTRATION_KEY_FILE = 'registration-key.json';

const StoredKey = z.object({
  version: z.literal(1),
  seed: z.string().regex(/^SU[A-Z2-7]+$/, 'must be a NATS user seed'),
});

export interface AgentKey {
  publicKey: string;
  seed: string;
}

export class RegistrationKeyStore {
  readonly path: string;

  constructor(stateDir: string) {
    this.path = join(stateDir, REGISTRATION_KEY_FILE);
  }

  /** The key left by an unfinished registration, else a new one, written to disk before it is returned. */
  async loadOrCreate(): Promise<{ key: AgentKey; reused: boolean }> {
    const stored = await this.load();
    if (stored) return { key: stored, reused: true };
    const key = createUser();
    await writePrivateFile(this.path, `${JSON.stringify({ version: 1, seed: key.seed }, null, 2)}\n`);
    return { key, reused: false };
  }

  async discard(): Promise<void> {
    await unlink(this.path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  private async load(): Promise<AgentKey | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.unreadable((error as Error).message);
    }
    try {
      const { seed } = StoredKey.parse(JSON.parse(text));
      return { publicKey: fromSeed(new TextEncoder().encode(seed)).getPublicKey(), seed };
    } catch (error) {
      throw this.unreadable(`not a registration key (${(error as Error).message.slice(0, 200)})`);
    }
  }

  private unreadable(why: string): AgentError {
    return new AgentError(
      `cannot use ${this.path}: ${why}; move it away to register with a new key`,
      ErrorCode.CredentialUnreadable,
      { path: this.path },
    );
  }
}
