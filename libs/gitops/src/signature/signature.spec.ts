import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpgKey, runGit, type GpgKey, scaled } from '@flotilla/testing';
import {
  ancestryOf,
  CommitPolicyCode,
  CommitSigner,
  refusalOf,
  splitSignedCommit,
  TrustSet,
  TrustSetError,
  verifyCommit,
} from '../index.js';

let repo: string;
let trusted: GpgKey;
let stranger: GpgKey;
let trust: TrustSet;

const raw = async (oid: string) =>
  (await git.readObject({ fs, gitdir: repo, oid, format: 'content' })).object as Uint8Array;

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'fl-sig-'));
  await runGit(['init', '--bare', '-q', '-b', 'main', repo], { cwd: repo });
  [trusted, stranger] = await Promise.all([
    createGpgKey({ name: 'Fleet Admin', email: 'admin@fleet.invalid' }),
    createGpgKey({ name: 'Stranger', email: 'stranger@elsewhere.invalid' }),
  ]);
  trust = await TrustSet.load([{ name: 'trusted.asc', armored: trusted.publicKey }]);
}, scaled(60_000));

afterAll(async () => {
  await Promise.all([trusted?.close(), stranger?.close()]);
  await rm(repo, { recursive: true, force: true });
});

describe('splitSignedCommit', () => {
  it('gives exactly the payload git itself verifies (git cat-file minus gpgsig, checked by gpg --verify)', async () => {
    const oid = await trusted.commitSigned(repo, {
      files: { 'a.yaml': 'a: 1\n' },
      message: 'signed by admin\n\nbody line\n',
    });
    const { payload, signature, parents } = splitSignedCommit(await raw(oid));
    expect(signature).toMatch(/^-----BEGIN PGP SIGNATURE-----\n\n[\s\S]+-----END PGP SIGNATURE-----\n$/);
    expect(parents).toEqual([]);
    const text = new TextDecoder().decode(payload);
    expect(text).not.toContain('gpgsig');
    expect(text).toMatch(/^tree [0-9a-f]{40}\nauthor .+\ncommitter .+\n\nsigned by admin\n\nbody line\n$/);
    // git's own verification agrees the commit is good with this key
    await expect(
      runGit(['verify-commit', oid], { cwd: repo, env: { GNUPGHOME: trusted.home } }),
    ).resolves.toBeDefined();
  });

  it('leaves an unsigned commit whole and reports its parents', async () => {
    const oid = await runGit(['commit-tree', '-p', 'main', '-m', 'unsigned', 'main^{tree}'], { cwd: repo });
    const bytes = await raw(oid);
    const split = splitSignedCommit(bytes);
    expect(split.signature).toBeUndefined();
    expect(Buffer.from(split.payload).equals(Buffer.from(bytes))).toBe(true);
    expect(split.parents).toEqual([await runGit(['rev-parse', 'main'], { cwd: repo })]);
  });

  it('calls an SSH signature a bad signature: only OpenPGP is accepted', async () => {
    const text =
      'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\ngpgsig -----BEGIN SSH SIGNATURE-----\n U1NIU0lH\n -----END SSH SIGNATURE-----\n\nssh-signed\n';
    await expect(verifyCommit(new TextEncoder().encode(text), trust)).resolves.toEqual({
      status: 'bad-signature',
      reason: 'not an OpenPGP signature (only OpenPGP signatures are accepted)',
    });
  });

  it('strips only the header: a message line starting with "gpgsig " stays in the payload', () => {
    const text =
      'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\nauthor A <a@b> 1 +0000\n\ngpgsig in the message\n continued\n';
    const split = splitSignedCommit(new TextEncoder().encode(text));
    expect(split.signature).toBe('-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n');
    expect(new TextDecoder().decode(split.payload)).toBe(
      'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 1 +0000\n\ngpgsig in the message\n continued\n',
    );
  });
});

describe('verifyCommit', () => {
  it('accepts a commit signed by real gpg with a trusted key, naming the key', async () => {
    const oid = await trusted.commitSigned(repo, { files: { 'b.yaml': 'b: 1\n' }, message: 'good' });
    await expect(verifyCommit(await raw(oid), trust)).resolves.toEqual({
      status: 'valid',
      fingerprint: trusted.fingerprint,
      userId: trusted.userId,
    });
  });

  it('refuses an unsigned commit', async () => {
    const oid = await runGit(['commit-tree', '-p', 'main', '-m', 'unsigned', 'main^{tree}'], { cwd: repo });
    const verdict = await verifyCommit(await raw(oid), trust);
    expect(verdict).toEqual({ status: 'unsigned' });
    expect(refusalOf(oid, verdict)).toEqual({
      code: CommitPolicyCode.Unsigned,
      reason: expect.stringContaining(`commit ${oid} is not signed`),
    });
  });

  it('refuses a commit signed by a key outside the trust set, naming the key id', async () => {
    const oid = await stranger.commitSigned(repo, { files: { 'c.yaml': 'c: 1\n' }, message: 'from a stranger' });
    const verdict = await verifyCommit(await raw(oid), trust);
    expect(verdict).toEqual({ status: 'unknown-key', keyIds: [stranger.fingerprint.slice(-16)] });
    expect(refusalOf(oid, verdict)?.code).toBe(CommitPolicyCode.KeyUntrusted);
  });

  it('refuses a tampered commit: message rewritten, signature kept (git hash-object)', async () => {
    const oid = await trusted.commitSigned(repo, { files: { 'd.yaml': 'd: 1\n' }, message: 'deploy v1' });
    const original = await runGit(['cat-file', 'commit', oid], { cwd: repo });
    const forged = await runGit(['hash-object', '-w', '-t', 'commit', '--stdin'], {
      cwd: repo,
      input: `${original.replace('deploy v1', 'deploy v2')}\n`,
    });
    expect(forged).not.toBe(oid);
    const verdict = await verifyCommit(await raw(forged), trust);
    expect(verdict.status).toBe('bad-signature');
    expect(refusalOf(forged, verdict)).toEqual({
      code: CommitPolicyCode.SignatureInvalid,
      reason: expect.stringContaining(`commit ${forged} has a signature that does not verify`),
    });
    // and real git agrees it is bad
    await expect(runGit(['verify-commit', forged], { cwd: repo, env: { GNUPGHOME: trusted.home } })).rejects.toThrow(
      /BAD signature/,
    );
  });

  it('refuses a tampered tree: the commit points at another tree under the old signature', async () => {
    const oid = await trusted.commitSigned(repo, { files: { 'e.yaml': 'e: 1\n' }, message: 'tree swap' });
    const original = await runGit(['cat-file', 'commit', oid], { cwd: repo });
    const other = await runGit(['mktree'], { cwd: repo, input: '' });
    const forged = await runGit(['hash-object', '-w', '-t', 'commit', '--stdin'], {
      cwd: repo,
      input: `${original.replace(/^tree [0-9a-f]{40}/, `tree ${other}`)}\n`,
    });
    await expect(verifyCommit(await raw(forged), trust)).resolves.toMatchObject({ status: 'bad-signature' });
  });

  it('accepts a commit signed by openpgp.js (CommitSigner) and real git verifies it too', async () => {
    const signer = await CommitSigner.load({ name: 'signing.asc', armored: trusted.secretKey });
    expect(signer.fingerprint).toBe(trusted.fingerprint);
    const parent = await runGit(['rev-parse', 'main'], { cwd: repo });
    const tree = await runGit(['rev-parse', 'main^{tree}'], { cwd: repo });
    const oid = await git.commit({
      fs,
      gitdir: repo,
      message: 'signed by openpgp.js\n',
      tree,
      parent: [parent],
      author: { name: 'Flotilla', email: 'flotilla@flotilla.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 },
      signingKey: 'unused',
      onSign: async ({ payload }) => ({ signature: await signer.sign(payload) }),
      noUpdateBranch: true,
    });
    await expect(verifyCommit(await raw(oid), trust)).resolves.toMatchObject({
      status: 'valid',
      fingerprint: trusted.fingerprint,
    });
    await expect(
      runGit(['verify-commit', oid], { cwd: repo, env: { GNUPGHOME: trusted.home } }),
    ).resolves.toBeDefined();
  });
});

describe('clock skew', () => {
  const commitSignedAt = async (date: Date) => {
    const key = await trust.pgp.readPrivateKey({ armoredKey: trusted.secretKey });
    const tree = await runGit(['rev-parse', 'main^{tree}'], { cwd: repo });
    return git.commit({
      fs,
      gitdir: repo,
      message: `signed at ${date.toISOString()}\n`,
      tree,
      parent: [],
      noUpdateBranch: true,
      author: {
        name: 'Skewed',
        email: 'skew@fleet.invalid',
        timestamp: Math.floor(date.getTime() / 1000),
        timezoneOffset: 0,
      },
      signingKey: 'unused',
      onSign: async ({ payload }) => ({
        signature: await trust.pgp.sign({
          message: await trust.pgp.createMessage({ binary: new TextEncoder().encode(payload) }),
          signingKeys: key,
          detached: true,
          date,
        }),
      }),
    });
  };

  it('accepts a signature made by a clock a minute ahead, refuses one an hour ahead', async () => {
    await expect(
      verifyCommit(await raw(await commitSignedAt(new Date(Date.now() + 60_000))), trust),
    ).resolves.toMatchObject({ status: 'valid' });
    await expect(
      verifyCommit(await raw(await commitSignedAt(new Date(Date.now() + 3_600_000))), trust),
    ).resolves.toEqual({ status: 'bad-signature', reason: 'Signature creation time is in the future' });
  });
});

describe('TrustSet', () => {
  it('names the source that is not a key', async () => {
    await expect(TrustSet.load([{ name: 'keys/broken.asc', armored: 'not a key' }])).rejects.toThrow(TrustSetError);
    await expect(TrustSet.load([{ name: 'keys/broken.asc', armored: 'not a key' }])).rejects.toThrow(
      /^keys\/broken\.asc: not an armored OpenPGP public key block/,
    );
  });

  it('reads several keys from one file and keeps only public parts of private keys', async () => {
    const set = await TrustSet.load([{ name: 'all.asc', armored: `${trusted.publicKey}\n${stranger.secretKey}` }]);
    expect(set.described.map((k) => k.fingerprint)).toEqual([trusted.fingerprint, stranger.fingerprint]);
    expect(set.keys.every((k) => !k.isPrivate())).toBe(true);
  });

  it('refuses a passphrase-less signer that is not a private key, naming it', async () => {
    await expect(CommitSigner.load({ name: 'FLEET_SIGNING_KEY_FILE', armored: trusted.publicKey })).rejects.toThrow(
      /^FLEET_SIGNING_KEY_FILE: not an armored OpenPGP private key/,
    );
  });
});

describe('ancestryOf', () => {
  const graph: Record<string, string[]> = { d: ['c'], c: ['b', 'x'], b: ['a'], x: ['a'], a: [] };
  const readParents = async (oid: string) => graph[oid];

  it('finds an ancestor through merges and says no for a commit that is not one', async () => {
    await expect(ancestryOf({ oid: 'd', ancestor: 'x', readParents, maxCommits: 100 })).resolves.toBe('descendant');
    await expect(ancestryOf({ oid: 'd', ancestor: 'd', readParents, maxCommits: 100 })).resolves.toBe('descendant');
    // force-push to an older commit: the old head does not descend from the newer one
    await expect(ancestryOf({ oid: 'b', ancestor: 'd', readParents, maxCommits: 100 })).resolves.toBe('not-descendant');
  });

  it('says incomplete at a shallow boundary or past the bound', async () => {
    const shallow = async (oid: string) => (oid === 'b' ? undefined : graph[oid]);
    await expect(ancestryOf({ oid: 'b', ancestor: 'z', readParents: shallow, maxCommits: 100 })).resolves.toBe(
      'incomplete',
    );
    await expect(ancestryOf({ oid: 'd', ancestor: 'z', readParents, maxCommits: 2 })).resolves.toBe('incomplete');
  });
});
