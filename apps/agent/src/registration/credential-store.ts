/** Reads and writes the credential file: mode 0600 in a 0700 directory, replaced atomically. */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeZodError } from '@flotilla/protocol';
import { AgentError, ErrorCode } from '../errors.js';
import { CREDENTIAL_FILE, StoredCredential } from './credential.js';
import { writePrivateFile } from './private-file.js';

export class CredentialStore {
  readonly path: string;

  constructor(readonly stateDir: string) {
    this.path = join(stateDir, CREDENTIAL_FILE);
  }

  /** The stored credential, or undefined when there is none. A damaged file is an error, never ignored. */
  async load(): Promise<StoredCredential | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new AgentError(`cannot read ${this.path}: ${(error as Error).message}`, ErrorCode.CredentialUnreadable, {
        path: this.path,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AgentError(
        `${this.path} is not valid JSON; move it away to register again`,
        ErrorCode.CredentialUnreadable,
        { path: this.path },
      );
    }
    const parsed = StoredCredential.safeParse(json);
    if (!parsed.success) {
      throw new AgentError(
        `${this.path} is not a valid credential (${describeZodError(parsed.error)}); move it away to register again`,
        ErrorCode.CredentialUnreadable,
        {
          path: this.path,
        },
      );
    }
    return parsed.data;
  }

  /** True when group or others can read the file (it should be 0600). */
  async isExposed(): Promise<boolean> {
    const s = await stat(this.path);
    return (s.mode & 0o077) !== 0;
  }

  async save(credential: StoredCredential): Promise<void> {
    await writePrivateFile(this.path, `${JSON.stringify(credential, null, 2)}\n`);
  }
}
