/**
 * Guard: a user's clone has nothing beside it, so no test may read outside the repository.
 * Test sources must not name `../shared`, an absolute /work or /home folder (placement tests name /root paths only as data), or climb
 * above the repository root with a relative path.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const TEST_FILE = /(\.spec|\.int-spec|\.e2e-spec)\.ts$|\/test\/.*\.ts$/;
const OUTSIDE = [/\.\.\/shared\b/, /['"`]\/(work|home)\//];

function testSources(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return out.split('\n').filter((f) => f && TEST_FILE.test(f) && !f.endsWith('tests-stay-in-repo.spec.ts'));
}

describe('tests stay inside the repository', () => {
  it('finds the test sources', () => {
    expect(testSources().length).toBeGreaterThan(50);
  });

  it('no test source names ../shared or a machine folder', () => {
    const offenders = testSources().flatMap((file) => {
      const text = readFileSync(resolve(REPO_ROOT, file), 'utf8');
      return OUTSIDE.filter((re) => re.test(text)).map((re) => `${file}: ${re}`);
    });
    expect(offenders).toEqual([]);
  });
});
