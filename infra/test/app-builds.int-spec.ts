import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@flotilla/local-infra';
import { systemUserCreds } from '@flotilla/nats-auth';
import { createTestDatabase, startNats, type TestDatabase, type TestNats, scaled } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/kubectl.js';

// What the Dockerfiles ship: docker/build-app.mjs output (compiled JS + only the npm packages the
// code reaches), built with the very arguments of each Dockerfile's RUN line and started with its
// final stage's ENV and ENTRYPOINT/CMD (the agent's Node options included), with plain `node` —
// no SWC, no workspace node_modules. No OCI builder runs in the suite (docker/README.md says why).
const ADMIN_TOKEN = 'images-test-admin-token-0123456789abcdef';

/** What a Dockerfile builds and runs: build-app.mjs arguments, the runtime ENV and the command. */
export function dockerfileRuntime(dockerfile: string): {
  buildArgs: string[];
  env: Record<string, string>;
  command: string[];
} {
  const text = readFileSync(join(REPO_ROOT, 'docker', dockerfile), 'utf8').replace(/\\\n\s*/g, ' ');
  const lines = text.split('\n').filter((l) => !l.trimStart().startsWith('#'));
  const run = lines.map((l) => /^RUN node docker\/build-app\.mjs (.*)$/.exec(l)?.[1]).find(Boolean);
  if (!run) throw new Error(`${dockerfile}: no RUN node docker/build-app.mjs line`);
  const buildArgs = run.trim().split(/\s+/);
  const out = buildArgs.indexOf('--out');
  if (out < 0 || buildArgs[out + 1] !== '/out')
    throw new Error(`${dockerfile}: build-app.mjs must write to --out /out`);
  buildArgs.splice(out, 2);
  const final = lines.slice(lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true));
  if (!final.some((l) => l === 'COPY --from=build /out /app') || !final.includes('WORKDIR /app'))
    throw new Error(`${dockerfile}: the final stage must run /out as /app`);
  const env: Record<string, string> = {};
  for (const l of final.filter((x) => x.startsWith('ENV ')))
    for (const [, k, v] of l.slice(4).matchAll(/([A-Z_]+)=(\S+)/g)) env[k!] = v!;
  const cmd = final.map((l) => /^(?:ENTRYPOINT|CMD) (\[.*\])$/.exec(l)?.[1]).find(Boolean);
  if (!cmd) throw new Error(`${dockerfile}: no ENTRYPOINT or CMD in exec form`);
  const command = JSON.parse(cmd) as string[];
  if (command[0] !== 'node') throw new Error(`${dockerfile}: the command must start with node`);
  return { buildArgs, env, command: command.slice(1) };
}

const AGENT = dockerfileRuntime('agent.Dockerfile');
const CONTROL_PLANE = dockerfileRuntime('control-plane.Dockerfile');

function build(args: string[], out: string): Promise<string> {
  return new Promise((res, rej) =>
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'docker', 'build-app.mjs'), ...args, '--out', out, '--hardlink'],
      { cwd: REPO_ROOT, timeout: scaled(120_000) },
      (err, stdout, stderr) =>
        err ? rej(new Error(`build-app ${args.join(' ')} failed: ${stderr || err.message}`)) : res(stdout),
    ),
  );
}

async function until<T>(
  fn: () => Promise<T | undefined>,
  what: () => string,
  child: ChildProcess,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + scaled(timeoutMs);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} while waiting for ${what()}`);
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Its tests wait on a control plane, agents and git: a deadline that stretches with the load. */
const SLOW = { timeout: scaled(120_000) };

describe('app builds for the container images', SLOW, () => {
  let dir: string;
  let db: TestDatabase;
  let nats: TestNats;
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  const startNode = (cwd: string, args: string[], env: Record<string, string>) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-images-'));
    [db, nats] = await Promise.all([createTestDatabase(), startNats()]);
    const [cp, agent] = await Promise.all([
      build(CONTROL_PLANE.buildArgs, join(dir, 'cp')),
      build(AGENT.buildArgs, join(dir, 'agent')),
    ]);
    expect(cp).toMatch(/built apps\/control-plane\/src\/main.ts: \d+ modules/);
    expect(agent).toMatch(/built apps\/agent\/src\/main.ts: \d+ modules/);
  }, scaled(180_000));
  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) =>
        c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined,
      ),
    );
    await nats?.[Symbol.asyncDispose]();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the compiled control plane and a compiled agent that registers with it and goes Online', async () => {
    const port = await freePort();
    const system = await systemUserCreds(nats.trust);
    const cp = startNode(join(dir, 'cp'), CONTROL_PLANE.command, {
      ...CONTROL_PLANE.env,
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_HUB_JWT: nats.hub.jwt,
      NATS_HUB_SEED: nats.hub.seed,
      NATS_ACCOUNT_SEED: nats.trust.accountSeed,
      NATS_OPERATOR_SEED: nats.trust.operatorSeed,
      NATS_SYSTEM_USER_JWT: system.jwt,
      NATS_SYSTEM_USER_SEED: system.seed,
      ADMIN_TOKEN,
      FLOTILLA_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      PORT: String(port),
      HOST: '127.0.0.1',
      HEARTBEAT_INTERVAL_SECONDS: '1',
      LOG_LEVEL: 'info',
    });
    const server = `http://127.0.0.1:${port}`;
    await until(
      async () => ((await fetch(`${server}/healthz`)).ok ? true : undefined),
      () => `control plane /healthz\n${logs.join('')}`,
      cp,
    );
    const gql = async (query: string, variables: Record<string, unknown> = {}) =>
      (await (
        await fetch(`${server}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
          body: JSON.stringify({ query, variables }),
        })
      ).json()) as any;
    const created = await gql(
      'mutation { createRegistrationToken(input: { name: "img", tags: ["edge"], expiresIn: 600 }) { token } }',
    );
    const token = created.data.createRegistrationToken.token as string;

    const agent = startNode(
      join(dir, 'agent'),
      [
        ...AGENT.command,
        '--server',
        server,
        '--name',
        'image-agent',
        '--state-dir',
        join(dir, 'agent-state'),
        '--log-level',
        'warn',
      ],
      {
        ...AGENT.env,
        FLOTILLA_TOKEN: token,
      },
    );
    const cluster = await until(
      async () => {
        const c = (await gql('{ cluster(name: "image-agent") { connection tags facts { agentVersion } } }')).data
          ?.cluster;
        return c?.connection === 'ONLINE' ? c : undefined;
      },
      () => `agent online\n${logs.join('')}`,
      agent,
    );
    expect(cluster).toEqual({
      connection: 'ONLINE',
      tags: ['edge'],
      facts: { agentVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) },
    });
    const page = await fetch(`${server}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
  });
});
