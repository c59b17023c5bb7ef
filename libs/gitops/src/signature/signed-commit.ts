/**
 * The bytes a commit signature covers. Git signs the commit object without its `gpgsig` header:
 * the header line and its continuation lines (each starting with one space) are removed, and the
 * signature is those lines joined with the leading space dropped. Only the header block (up to the
 * first empty line) is searched, as git does; `mergetag` and every other header stay in the payload.
 */

/** The signature header of SHA-1 repositories and the one of SHA-256 repositories. */
const SIGNATURE_HEADERS = ['gpgsig', 'gpgsig-sha256'] as const;
const NL = 0x0a;
const SPACE = 0x20;

export interface SignedCommit {
  /** The commit object without its signature header: what the signature is over. */
  payload: Uint8Array;
  /** The armored signature, or undefined for an unsigned commit. */
  signature?: string;
  /** Parent commit ids, in order (from the `parent` headers). */
  parents: string[];
}

function startsWith(bytes: Uint8Array, at: number, prefix: string): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix.charCodeAt(i)) return false;
  return true;
}

function lineEnd(bytes: Uint8Array, from: number): number {
  const nl = bytes.indexOf(NL, from);
  return nl === -1 ? bytes.length : nl + 1;
}

function signatureHeader(bytes: Uint8Array, at: number): string | undefined {
  return SIGNATURE_HEADERS.find((h) => startsWith(bytes, at, `${h} `));
}

/** Splits a raw commit object (isomorphic-git `readObject` format 'content') into payload and signature. */
export function splitSignedCommit(raw: Uint8Array): SignedCommit {
  const kept: Uint8Array[] = [];
  const signature: string[] = [];
  const parents: string[] = [];
  const decoder = new TextDecoder();
  let at = 0;
  /** Which signature header the current line continues: ours (collected), another algorithm's (dropped) or none. */
  let continuing: 'ours' | 'other' | undefined;
  while (at < raw.length) {
    const end = lineEnd(raw, at);
    if (raw[at] === NL) break; // the empty line: headers end, the message follows
    if (continuing && raw[at] === SPACE) {
      if (continuing === 'ours') signature.push(decoder.decode(raw.subarray(at + 1, end)));
    } else {
      const header = signatureHeader(raw, at);
      continuing = header === 'gpgsig' ? 'ours' : header ? 'other' : undefined;
      if (header === 'gpgsig') signature.push(decoder.decode(raw.subarray(at + header.length + 1, end)));
      else if (!header) {
        if (startsWith(raw, at, 'parent ')) parents.push(decoder.decode(raw.subarray(at + 7, end)).trim());
        kept.push(raw.subarray(at, end));
      }
    }
    at = end;
  }
  kept.push(raw.subarray(at));
  const payload = new Uint8Array(kept.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of kept) {
    payload.set(part, offset);
    offset += part.length;
  }
  return { payload, parents, ...(signature.length ? { signature: signature.join('') } : {}) };
}
