/**
 * The trust set: the OpenPGP public keys whose commit signatures are accepted. openpgp.js is
 * imported on first use only, so a process without a signing policy never loads it (the agent's
 * idle memory budget is small).
 */
import type * as OpenPgp from 'openpgp';

export type OpenPgpModule = typeof OpenPgp;

/** One armored key block; a file may hold several one after the other. */
const ARMORED_KEY_BLOCK = /-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----[\s\S]*?-----END PGP \1 KEY BLOCK-----/g;

let openpgpModule: Promise<OpenPgpModule> | undefined;

/** openpgp.js, loaded once on demand. */
export function loadOpenPgp(): Promise<OpenPgpModule> {
  openpgpModule ??= import('openpgp');
  return openpgpModule;
}

/** A key source: a name for errors (a file path, "FLEET_TRUSTED_KEYS_FILE") and its armored text. */
export interface ArmoredKeySource {
  name: string;
  armored: string;
}

export interface TrustedKey {
  fingerprint: string;
  userIds: string[];
  /** Where it came from (the source name). */
  source: string;
}

export class TrustSetError extends Error {
  override readonly name = 'TrustSetError';
  readonly code = 'TRUSTED_KEYS_INVALID';
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super(`${source}: ${reason}`);
  }

  toJSON() {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      data: { source: this.source, reason: this.reason },
    };
  }
}

export class TrustSet {
  private constructor(
    readonly pgp: OpenPgpModule,
    readonly keys: readonly OpenPgp.PublicKey[],
    readonly described: readonly TrustedKey[],
  ) {}

  /**
   * Reads every armored public key of every source (a source may hold several). A source that is not
   * an armored OpenPGP key block, holds no key, or holds an expired or revoked key fails naming it.
   * Private keys are accepted and only their public part is kept.
   */
  static async load(sources: readonly ArmoredKeySource[]): Promise<TrustSet> {
    const pgp = await loadOpenPgp();
    const keys: OpenPgp.PublicKey[] = [];
    const described: TrustedKey[] = [];
    for (const source of sources) {
      const blocks = source.armored.match(ARMORED_KEY_BLOCK) ?? [];
      if (!blocks.length)
        throw new TrustSetError(
          source.name,
          'not an armored OpenPGP public key block (no "-----BEGIN PGP PUBLIC KEY BLOCK-----")',
        );
      const read: OpenPgp.Key[] = [];
      for (const armoredKeys of blocks) {
        try {
          read.push(...(await pgp.readKeys({ armoredKeys })));
        } catch (e) {
          throw new TrustSetError(source.name, `not an armored OpenPGP public key block: ${(e as Error).message}`);
        }
      }
      for (const key of read) {
        const pub = key.isPrivate() ? key.toPublic() : (key as OpenPgp.PublicKey);
        const fingerprint = pub.getFingerprint().toUpperCase();
        try {
          await pub.verifyPrimaryKey();
        } catch (e) {
          throw new TrustSetError(source.name, `key ${fingerprint} is not usable: ${(e as Error).message}`);
        }
        keys.push(pub);
        described.push({ fingerprint, userIds: pub.getUserIDs(), source: source.name });
      }
    }
    if (!keys.length)
      throw new TrustSetError(sources.map((s) => s.name).join(', ') || '(no source)', 'the trust set is empty');
    return new TrustSet(pgp, keys, described);
  }

  /** The trusted key holding one of these key ids (primary key or subkey), if any. */
  keyFor(keyIds: readonly OpenPgp.KeyID[]): OpenPgp.PublicKey | undefined {
    return this.keys.find((k) => keyIds.some((id) => k.getKeys(id).length > 0));
  }

  has(fingerprint: string): boolean {
    return this.described.some((k) => k.fingerprint === fingerprint.toUpperCase());
  }
}
