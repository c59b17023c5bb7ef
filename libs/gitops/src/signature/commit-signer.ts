/**
 * Signs commit payloads with one OpenPGP private key (detached, armored, binary — what git writes
 * into the `gpgsig` header). Used by the control plane for the revert commits it writes.
 */
import type * as OpenPgp from 'openpgp';
import { loadOpenPgp, TrustSetError, type ArmoredKeySource, type OpenPgpModule } from './trust-set.js';

export class CommitSigner {
  private constructor(
    private readonly pgp: OpenPgpModule,
    private readonly key: OpenPgp.PrivateKey,
    /** Fingerprint of the signing key (upper-case hex). */
    readonly fingerprint: string,
  ) {}

  /** Reads one unencrypted armored private key; the error names the source, never the key material. */
  static async load(source: ArmoredKeySource): Promise<CommitSigner> {
    const pgp = await loadOpenPgp();
    let key: OpenPgp.PrivateKey;
    try {
      key = await pgp.readPrivateKey({ armoredKey: source.armored });
    } catch (e) {
      throw new TrustSetError(source.name, `not an armored OpenPGP private key: ${(e as Error).message}`);
    }
    if (!key.isDecrypted())
      throw new TrustSetError(source.name, 'the private key is protected by a passphrase; give an unprotected key');
    const fingerprint = key.getFingerprint().toUpperCase();
    try {
      await key.getSigningKey();
    } catch (e) {
      throw new TrustSetError(source.name, `key ${fingerprint} cannot sign: ${(e as Error).message}`);
    }
    return new CommitSigner(pgp, key, fingerprint);
  }

  /** The armored detached signature over the commit payload (the commit object without `gpgsig`). */
  async sign(payload: string | Uint8Array): Promise<string> {
    const binary = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    const message = await this.pgp.createMessage({ binary });
    return this.pgp.sign({ message, signingKeys: this.key, detached: true, format: 'armored' });
  }
}
