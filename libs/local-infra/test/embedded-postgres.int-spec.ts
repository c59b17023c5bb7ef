import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '@flotilla/local-infra';
import { packagedBinaries } from '../src/postgres/binaries.js';
import { LOCATION_FILE } from '../src/postgres/placement.js';

const asRoot = process.getuid?.() === 0;

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL from a folder only its owner may enter', () => {
  // A clone as a newcomer makes it as root: `mktemp -d` (mode 0700), node_modules inside it.
  let clone: string;
  let systemDir: string;
  let nativeDir: string;
  let dataDir: string;

  beforeAll(() => {
    clone = mkdtempSync(join(tmpdir(), 'flotilla-closed-clone-'));
    systemDir = mkdtempSync(join(tmpdir(), 'flotilla-system-'));
    chmodSync(systemDir, 0o755);
    nativeDir = join(clone, 'node_modules', 'pg-native');
    cpSync(packagedBinaries().nativeDir, nativeDir, { recursive: true, verbatimSymlinks: true });
    dataDir = join(clone, '.flotilla', 'postgres', 'data');
    expect(statSync(clone).mode & 0o777).toBe(0o700);
  });
  afterAll(() => {
    rmSync(clone, { recursive: true, force: true });
    rmSync(systemDir, { recursive: true, force: true });
  });

  it('starts, keeps its data across a restart, and says where the data is', async () => {
    const notices: string[] = [];
    const opts = { dataDir, nativeDir, systemDir, notice: (m: string) => notices.push(m) };
    const first = await startEmbeddedPostgres(opts);
    try {
      await query(first.url, 'CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$still here$$)');
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres(opts);
    try {
      expect(second.dataDir).toBe(first.dataDir);
      expect(await query(second.url, 'SELECT v FROM kept')).toEqual([{ v: 'still here' }]);
    } finally {
      await second.stop();
    }
    if (asRoot) {
      // The postgres user cannot enter the clone: binaries and data live in the system folder.
      expect(first.dataDir.startsWith(join(systemDir, 'postgres-data'))).toBe(true);
      expect(existsSync(join(systemDir, 'postgres-bin', packagedBinaries().version, 'bin', 'postgres'))).toBe(true);
      expect(readFileSync(join(dirname(dataDir), LOCATION_FILE), 'utf8').trim()).toBe(first.dataDir);
      expect(notices).toEqual([expect.stringContaining(`the OS user postgres cannot enter ${clone}`)]);
      expect(statSync(first.dataDir).uid).toBe(Number(execFileSync('id', ['-u', 'postgres']).toString()));
    } else {
      expect(first.dataDir).toBe(dataDir);
      expect(notices).toEqual([]);
    }
  });

  it('stops a PostgreSQL that a killed earlier run left behind, then starts on the same data', async () => {
    // A separate Node process starts PostgreSQL on this data folder and is then killed with
    // SIGKILL: its postmaster (in a process group of its own) outlives it and holds the folder.
    const script = `
      import { startEmbeddedPostgres } from '@flotilla/local-infra';
      const pg = await startEmbeddedPostgres(${JSON.stringify({ dataDir, nativeDir, systemDir })});
      console.log(pg.dataDir);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', '--input-type=module'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdin.end(script);
    const realData = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (b: Buffer) => resolve(b.toString().trim()));
      child.once('exit', (code) => reject(new Error(`the first run exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const leftover = Number(readFileSync(join(realData, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(() => process.kill(leftover, 0)).not.toThrow();

    const logs: string[] = [];
    const again = await startEmbeddedPostgres({ dataDir, nativeDir, systemDir, log: (l) => logs.push(l) });
    try {
      expect(logs).toContain(`stopping PostgreSQL left running by an earlier run (pid ${leftover})`);
      expect(await query(again.url, 'SELECT v FROM kept')).toEqual([{ v: 'still here' }]);
    } finally {
      await again.stop();
    }
  });
});
