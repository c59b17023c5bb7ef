import { afterAll, describe, expect, it } from 'vitest';
import { cliRunner, runAll } from './support/run-cli.js';
import { scaled } from '@flotilla/testing';

// Usage errors are found before any request: no control plane is needed (the server below
// does not exist, so a command that reached the network would fail with exit 1, not 2).
describe('flotilla usage and help', () => {
  const cli = cliRunner({ FLOTILLA_SERVER: 'http://127.0.0.1:9', FLOTILLA_TOKEN: 'unused' });
  afterAll(() => cli.close());

  it('prints the command overview with --help and with no arguments', async () => {
    const [help, none] = await Promise.all([cli.run(['--help']), cli.run([])]);
    for (const r of [help, none]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('clusters list');
      expect(r.stdout).toContain('tokens create');
      expect(r.stdout).toContain('Exit codes:');
    }
  });

  it('prints help for every command and group', { timeout: scaled(90_000) }, async () => {
    const paths = [
      ['login'],
      ['clusters', 'list'],
      ['clusters', 'show'],
      ['tokens', 'create'],
      ['tokens', 'list'],
      ['tokens', 'revoke'],
      ['drift', 'list'],
      ...['start', 'list', 'status', 'pause', 'resume', 'rollback', 'abort'].map((v) => ['rollout', v]),
    ];
    const results = await runAll(paths, (p) => cli.run([...p, '--help']));
    results.forEach((r, i) => {
      expect(r.code, paths[i]!.join(' ')).toBe(0);
      expect(r.stdout).toContain(`Usage: flotilla ${paths[i]!.join(' ')}`);
      expect(r.stdout).toContain('--server URL');
    });
    const group = await cli.run(['tokens', '--help']);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('tokens revoke');
    expect(group.stdout).not.toContain('clusters list');
  });

  it('exits 2 naming the problem for bad commands, flags and values', { timeout: scaled(90_000) }, async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['clusters', 'list', '--bogus'], /Unknown option '--bogus'/],
      [['clusters', 'list', '--limit', '0'], /--limit must be a whole number from 1 to 500, got "0"/],
      [['clusters', 'list', '--state', 'sleepy'], /--state must be one of online, offline, pending/],
      [['clusters', 'show'], /missing argument NAME/],
      [['clusters', 'show', 'a', 'b'], /unexpected argument "b"/],
      [['tokens', 'create'], /missing required flag --name/],
      [
        ['tokens', 'create', '--name', 'x', '--expires-in', 'soon'],
        /--expires-in must be a duration like 3600, 30m, 12h or 7d, got "soon"/,
      ],
      [['tokens', 'create', '--name', 'x', '--expires-in', '10s'], /--expires-in must be between 1m and 365d/],
      [['tokens', 'create', '--name', 'x', '--max-uses', 'many'], /--max-uses must be a whole number/],
      [['tokens', 'revoke'], /missing argument ID/],
      [['login', '--server', 'ftp://x', '--token', 't'], /must be an http\(s\) URL/],
      [['drift', 'list', '--resolution', 'ignored'], /--resolution must be one of reverted, reported, revert-failed/],
      [['drift', 'list', '--since', 'yesterday-ish'], /--since must be a duration like 2h or 7d, or a date-time/],
      [['rollout', 'start', '--tag', 'canary'], /missing required flag --revision/],
      [
        ['rollout', 'start', '--tag', 'canary', '--revision', 'abc', '--on-failure', 'panic'],
        /--on-failure must be rollback or pause/,
      ],
      [['rollout', 'status', 'x', '--watch', '--json'], /--watch and --json cannot be combined/],
      [['rollout', 'pause'], /missing argument ID/],
    ];
    const results = await runAll(cases, ([args]) => cli.run(args));
    results.forEach((r, i) => {
      const [args, message] = cases[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    });
  });

  it('exits 1 with the address when the control plane cannot be reached', async () => {
    const r = await cli.run(['clusters', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach the control plane at http://127.0.0.1:9');
  });

  it('exits 2 asking for login when no server is configured', async () => {
    const r = await cli.run(['clusters', 'list'], { env: { FLOTILLA_SERVER: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no control plane configured: run `flotilla login --server URL`');
  });
});
