/**
 * The key pair the agent registers with, kept on disk (0600) BEFORE the first registration
 * request: a crash or a lost answer between registering and saving the credential leaves the
 * key behind, and the next start retries with the same token and key, which the hub answers
 * with the same cluster and a fresh credential. Removed once the credential is stored.
 */
import { fromSeed } from '@nats-io/nkeys';
import { createUser } from '@flotilla/nats-auth';
import { z } from 'zod';
import { AgentError, ErrorCode } from '../errors.js';
import { DirStateStore } from '../state/dir-state-store.js';
import type { StateStore } from '../state/state-store.js';

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
  /** Where the key is kept, for messages. */
  readonly path: string;
  private readonly state: StateStore;

  constructor(state: string | StateStore) {
    this.state = typeof state === 'string' ? new DirStateStore(state) : state;
    this.path = this.state.describe(REGISTRATION_KEY_FILE);
  }

  /** The key left by an unfinished registration, else a new one, written to disk before it is returned. */
  async loadOrCreate(): Promise<{ key: AgentKey; reused: boolean }> {
    const stored = await this.load();
    if (stored) return { key: stored, reused: true };
    const key = createUser();
    await this.state.write(REGISTRATION_KEY_FILE, `${JSON.stringify({ version: 1, seed: key.seed }, null, 2)}\n`);
    return { key, reused: false };
  }

  discard(): Promise<void> {
    return this.state.remove(REGISTRATION_KEY_FILE);
  }

  private async load(): Promise<AgentKey | undefined> {
    let text: string | undefined;
    try {
      text = await this.state.read(REGISTRATION_KEY_FILE);
    } catch (error) {
      throw this.unreadable((error as Error).message);
    }
    if (text === undefined) return undefined;
    try {
      const { seed } = StoredKey.parse(JSON.parse(text));
      return { publicKey: fromSeed(new TextEncoder().encode(seed)).getPublicKey(), seed };
    } catch (error) {
      throw this.unreadable(`not a registration key (${(error as Error).message.slice(0, 200)})`);
    }
  }

  private unreadable(why: string): AgentError {
    return new AgentError(
      `cannot use ${this.path}: ${why}; ${this.state.discardHint(REGISTRATION_KEY_FILE)} to register with a new key`,
      ErrorCode.CredentialUnreadable,
      { path: this.path },
    );
  }
}
