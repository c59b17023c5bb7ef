/**
 * Reads and writes the credential: a file (mode 0600 in a 0700 directory, replaced atomically) or
 * a key of the agent's state Secret (state/).
 */
import { describeZodError } from '@flotilla/protocol';
import { AgentError, ErrorCode } from '../errors.js';
import { DirStateStore } from '../state/dir-state-store.js';
import type { StateStore } from '../state/state-store.js';
import { CREDENTIAL_FILE, StoredCredential } from './credential.js';

export class CredentialStore {
  /** Where the credential is kept, for messages. */
  readonly path: string;
  private readonly state: StateStore;

  constructor(state: string | StateStore) {
    this.state = typeof state === 'string' ? new DirStateStore(state) : state;
    this.path = this.state.describe(CREDENTIAL_FILE);
  }

  /** The stored credential, or undefined when there is none. A damaged file is an error, never ignored. */
  async load(): Promise<StoredCredential | undefined> {
    let text: string | undefined;
    try {
      text = await this.state.read(CREDENTIAL_FILE);
    } catch (error) {
      throw new AgentError(`cannot read ${this.path}: ${(error as Error).message}`, ErrorCode.CredentialUnreadable, {
        path: this.path,
      });
    }
    if (text === undefined) return undefined;
    const discard = this.state.discardHint(CREDENTIAL_FILE);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AgentError(
        `${this.path} is not valid JSON; ${discard} to register again`,
        ErrorCode.CredentialUnreadable,
        { path: this.path },
      );
    }
    const parsed = StoredCredential.safeParse(json);
    if (!parsed.success) {
      throw new AgentError(
        `${this.path} is not a valid credential (${describeZodError(parsed.error)}); ${discard} to register again`,
        ErrorCode.CredentialUnreadable,
        {
          path: this.path,
        },
      );
    }
    return parsed.data;
  }

  /** True when group or others can read the file (it should be 0600). */
  isExposed(): Promise<boolean> {
    return this.state.isExposed(CREDENTIAL_FILE);
  }

  async save(credential: StoredCredential): Promise<void> {
    await this.state.write(CREDENTIAL_FILE, `${JSON.stringify(credential, null, 2)}\n`);
  }
}
