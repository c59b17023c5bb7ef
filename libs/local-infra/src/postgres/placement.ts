/**
 * Where the embedded PostgreSQL's binaries and data live. PostgreSQL refuses to run as root, so
 * as root it runs as the OS user `postgres`, which must be able to enter every folder above its
 * binaries and its data. A clone under /root or in a `mktemp -d` folder is closed to it: then the
 * binaries are copied to, and the data kept in, the system folder (`/var/lib/flotilla` unless
 * FLOTILLA_SYSTEM_DIR says otherwise), and a file in the chosen data folder's usual place records
 * where the data went, so every later start finds it again.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export const DEFAULT_SYSTEM_DIR = '/var/lib/flotilla';

/** The name of the file, beside the requested data folder, that names where the data really is. */
export const LOCATION_FILE = 'postgres-data-location';

/**
 * The first folder on the way to `path` (itself included) that other users cannot enter
 * (no `o+x`), or undefined when the postgres OS user can reach it. A missing part counts as
 * reachable: it will be created by us, with modes we choose.
 */
export function firstClosedFolder(
  path: string,
  mode: (p: string) => number | undefined = statMode,
): string | undefined {
  const chain: string[] = [];
  for (let d = resolve(path); ; d = dirname(d)) {
    chain.unshift(d);
    if (dirname(d) === d) break;
  }
  return chain.find((d) => {
    const m = mode(d);
    return m !== undefined && (m & 0o001) === 0;
  });
}

function statMode(p: string): number | undefined {
  try {
    return statSync(p).mode;
  } catch {
    return undefined;
  }
}

export interface Placement {
  /** The folder holding bin/, lib/ and share/ that PostgreSQL runs from. */
  nativeDir: string;
  /** True when nativeDir is a copy in the system folder (made when missing). */
  copyBinaries: boolean;
  /** The data folder PostgreSQL uses. */
  dataDir: string;
  /** Why the data is not where it was asked for, when it is not. */
  relocatedBecause?: string;
}

export interface PlacementInput {
  asRoot: boolean;
  /** The binaries as installed (inside node_modules). */
  packagedNativeDir: string;
  /** Their version, so an upgrade gets a fresh copy. */
  version: string;
  /** The data folder asked for. */
  dataDir: string;
  systemDir: string;
  /** A location recorded by an earlier start, if any. */
  recordedDataDir?: string;
  closedFolder?: (path: string) => string | undefined;
}

/** Decides where PostgreSQL runs from and keeps its data. Pure but for `closedFolder`. */
export function placePostgres(input: PlacementInput): Placement {
  const closed = input.closedFolder ?? ((p: string) => firstClosedFolder(p));
  if (!input.asRoot) return { nativeDir: input.packagedNativeDir, copyBinaries: false, dataDir: input.dataDir };
  const binariesClosed = closed(input.packagedNativeDir);
  const nativeDir = binariesClosed
    ? join(input.systemDir, 'postgres-bin', safeName(input.version))
    : input.packagedNativeDir;
  if (input.recordedDataDir) {
    return { nativeDir, copyBinaries: !!binariesClosed, dataDir: input.recordedDataDir };
  }
  // The data folder and the folder holding it are ours (created, owned and opened by the
  // launcher); what matters is whether postgres can reach that holding folder.
  const dataClosed = closed(dirname(dirname(input.dataDir)));
  if (!dataClosed) return { nativeDir, copyBinaries: !!binariesClosed, dataDir: input.dataDir };
  return {
    nativeDir,
    copyBinaries: !!binariesClosed,
    dataDir: join(input.systemDir, 'postgres-data', relocatedName(input.dataDir), 'data'),
    relocatedBecause: `the OS user postgres cannot enter ${dataClosed}`,
  };
}

/** A stable folder name for a relocated data folder: readable, and unique per requested path. */
export function relocatedName(dataDir: string): string {
  const abs = resolve(dataDir);
  const hash = createHash('sha256').update(abs).digest('hex').slice(0, 12);
  const readable = safeName(basename(dirname(dirname(abs))) || 'root');
  return `${readable}-${hash}`;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}
