/**
 * The hub installed as a platform team would: `helm template` of infra/charts/flotilla-hub with
 * the secret values infra/nats/hub-chart-values.ts writes, rendered with the pinned real helm,
 * checked (2 control plane replicas with a PodDisruptionBudget, anti-affinity and probes, Pod
 * Security "restricted" / restricted-v2, Ingress with TRUSTED_PROXIES, NATS as a 3-node JWT
 * cluster with JetStream) and applied with the real kubectl to a kube-sim that enforces RBAC.
 * Then it runs as the chart configures it: the rendered nats-server.conf on three real
 * nats-server processes (in-cluster names mapped to local ports, POD_NAME as the downward API
 * gives it) and two control plane processes started together with the rendered ConfigMap and
 * Secret as their environment, on a fresh PostgreSQL database. Migrations run at start under the
 * PostgreSQL advisory lock (the chart's choice: no hook Job), so each runs once; an upgrade to the
 * chart's next version changes nothing but the chart label (no pod template changes, so no pod
 * restarts) and a replica of it runs no migration again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { findNatsServer, freePort } from '@flotilla/local-infra';
import { createNatsTrust } from '@flotilla/nats-auth';
import { createTestDatabase, eventually, scaled, type TestDatabase } from '@flotilla/testing';
import { migrations } from '../../apps/control-plane/src/database/data-source.js';
import { loadConfig } from '../../apps/control-plane/src/config/load-config.js';
import { hubChartValues } from '../nats/hub-chart-values.js';
import { byKind, adminKubectl, kubectlPath, one, parseObjects, REPO_ROOT, type KubeObject } from './support/kubectl.js';
import { restrictedViolations } from './support/restricted.js';

const CHART = join(REPO_ROOT, 'infra', 'charts', 'flotilla-hub');
const NS = 'flotilla';
const RELEASE = 'flotilla-hub';
const DB_URL = 'postgres://flotilla:secret@db.example.com:5432/flotilla';
const SA_TOKEN = 'projected-sa-token-of-flotilla-hub-0123456789';

async function helmPath(): Promise<string> {
  const mod = (await import(join(REPO_ROOT, 'scripts', 'setup-kubectl.mjs'))) as { ensureHelm: () => string };
  return mod.ensureHelm();
}

function helm(bin: string, args: string[]): Promise<string> {
  return new Promise((res, rej) =>
    execFile(bin, args, { timeout: scaled(30_000), maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? rej(new Error(`helm ${args.join(' ')} failed: ${stderr || err.message}`)) : res(`${stdout}${stderr}`),
    ),
  );
}

/** A Secret's data as the kubelet hands it to envFrom: stringData as is, data base64-decoded. */
function secretEnv(secret: KubeObject): Record<string, string> {
  const env: Record<string, string> = { ...(secret['stringData'] ?? {}) };
  for (const [k, v] of Object.entries((secret['data'] ?? {}) as Record<string, string>))
    env[k] = Buffer.from(v, 'base64').toString('utf8');
  return env;
}

/** The control plane container's environment as the kubelet builds it from envFrom. */
function hubEnv(objects: KubeObject[]): Record<string, string> {
  const c = one(objects, 'Deployment').spec.template.spec.containers[0];
  const env: Record<string, string> = {};
  for (const from of c.envFrom as { configMapRef?: { name: string }; secretRef?: { name: string } }[]) {
    if (from.configMapRef) Object.assign(env, one(objects, 'ConfigMap', from.configMapRef.name).data);
    if (from.secretRef) Object.assign(env, secretEnv(one(objects, 'Secret', from.secretRef.name)));
  }
  return env;
}

const podHost = (i: number) => `${RELEASE}-nats-${i}.${RELEASE}-nats-headless.${NS}.svc.cluster.local`;

describe('helm chart of the hub', () => {
  let kubectlBin: string;
  let helmBin: string;
  let dir: string;
  let secretsFile: string;

  beforeAll(async () => {
    [kubectlBin, helmBin] = await Promise.all([kubectlPath(), helmPath()]);
    dir = mkdtempSync(join(tmpdir(), 'flotilla-hub-chart-'));
    secretsFile = join(dir, 'hub-secrets.yaml');
    writeFileSync(secretsFile, JSON.stringify(await hubChartValues(await createNatsTrust())), { mode: 0o600 });
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const template = async (set: string[], chart = CHART, withSecrets = true) =>
    parseObjects(
      await helm(helmBin, [
        'template',
        RELEASE,
        chart,
        '--namespace',
        NS,
        ...(withSecrets ? ['-f', secretsFile] : []),
        ...set.flatMap((s) => ['--set', s]),
      ]),
    );
  const INGRESS = ['ingress.enabled=true', 'ingress.host=flotilla.example.com', 'trustedProxies={10.42.0.0/16}'];

  it('lints clean and refuses a render that lacks the database URL, the secrets or the Ingress proxies', async () => {
    const lint = await helm(helmBin, ['lint', '--strict', CHART, '-f', secretsFile, '--set', `databaseUrl=${DB_URL}`]);
    expect(lint).toContain('0 chart(s) failed');
    expect(lint).not.toMatch(/\[(WARNING|ERROR)\]|level=WARN/);
    await expect(template([])).rejects.toThrow(/databaseUrl is required/);
    await expect(
      template([`databaseUrl=${DB_URL}`, 'nats.enabled=false', 'natsUrl=nats://n:4222'], CHART, false),
    ).rejects.toThrow(/secretEnv.NATS_HUB_JWT is required/);
    await expect(template([`databaseUrl=${DB_URL}`, 'nats.auth.routePassword='])).rejects.toThrow(
      /nats.auth .* is required/,
    );
    await expect(template([`databaseUrl=${DB_URL}`, 'ingress.enabled=true', 'ingress.host=h'])).rejects.toThrow(
      /ingress.enabled needs trustedProxies/,
    );
    await expect(template([`databaseUrl=${DB_URL}`, 'nats.replicas=1'])).rejects.toThrow(/must be 3 or more/);
    await expect(template([`databaseUrl=${DB_URL}`, 'nats.enabled=false'])).rejects.toThrow(/natsUrl is required/);
  });

  it('renders 2 control plane replicas (PDB, anti-affinity, probes, restricted), an Ingress with TRUSTED_PROXIES and a 3-node NATS cluster in JWT mode; no hook Job', async () => {
    const objects = await template([`databaseUrl=${DB_URL}`, ...INGRESS]);
    const deploy = one(objects, 'Deployment');
    expect(deploy.spec.replicas).toBe(2);
    const pod = deploy.spec.template.spec;
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.automountServiceAccountToken).toBe(false);
    const pdb = byKind(objects, 'PodDisruptionBudget').find((p) => p.metadata.name === RELEASE)!;
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: deploy.spec.selector });
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm).toEqual({
      topologyKey: 'kubernetes.io/hostname',
      labelSelector: deploy.spec.selector,
    });
    const c = pod.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/livez');
    expect(c.startupProbe.httpGet.path).toBe('/livez');

    const env = hubEnv(objects);
    expect(env['DATABASE_URL']).toBe(DB_URL);
    expect(env['TRUSTED_PROXIES']).toBe('10.42.0.0/16');
    expect(env['NATS_STREAM_REPLICAS']).toBe('3');
    expect(env['NATS_URL']!.split(',')).toEqual([0, 1, 2].map((i) => `nats://${podHost(i)}:4222`));
    // Every setting the control plane needs is there and valid, as its own schema reads it.
    expect(() => loadConfig(env)).not.toThrow();
    const ingress = one(objects, 'Ingress');
    expect(ingress.spec.rules[0].host).toBe('flotilla.example.com');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({
      name: one(objects, 'Service', RELEASE).metadata.name,
      port: { name: 'http' },
    });

    const sts = one(objects, 'StatefulSet');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBeUndefined();
    // Pod Security "restricted" holds; the fixed IDs (the official image runs as root) are what
    // restricted-v2 would assign itself, and `nats.runAsUser=` leaves them out.
    expect(restrictedViolations(sts.spec.template.spec).every((v) => /fixed/.test(v))).toBe(true);
    const openshift = one(
      await template([`databaseUrl=${DB_URL}`, 'nats.runAsUser=', 'nats.storage.className=gp3']),
      'StatefulSet',
    );
    expect(restrictedViolations(openshift.spec.template.spec)).toEqual([]);
    expect(openshift.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('gp3');
    const conf = one(objects, 'Secret', `${RELEASE}-nats-config`).stringData['nats-server.conf'] as string;
    for (const i of [0, 1, 2]) expect(conf).toContain(`@${podHost(i)}:6222"`);
    expect(conf).toMatch(/resolver: MEMORY/);
    expect(conf).not.toMatch(/authorization \{[^}]*users/);

    // Migrations: the guarded start, not a hook.
    expect(byKind(objects, 'Job')).toEqual([]);
    expect(objects.filter((o) => (o.metadata as any).annotations?.['helm.sh/hook'])).toEqual([]);
  });

  describe('installed on a cluster and run', { timeout: scaled(240_000) }, () => {
    let sim: KubeSim;
    let db: TestDatabase;
    const nats: { child: ChildProcess; log: { text: string } }[] = [];
    const hubs: { child: ChildProcess; log: { text: string }; url: string }[] = [];
    let natsUrls: string[] = [];
    const k = (args: string[]) => adminKubectl(kubectlBin, sim, join(dir, 'cache'), [SA_TOKEN])(args);

    beforeAll(async () => {
      [sim, db] = await Promise.all([
        startKubeSim({
          name: 'hub-chart',
          kubeconfigPath: join(dir, 'sim-kubeconfig'),
          simulate: false,
          tokens: [SA_TOKEN],
          rbac: { identities: {} },
        }),
        createTestDatabase(),
      ]);
    }, scaled(60_000));
    afterAll(async () => {
      const all = [...hubs, ...nats].map((p) => p.child);
      for (const child of all) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.all(
        all.map((child) =>
          child.exitCode === null && child.signalCode === null ? new Promise((r) => child.once('exit', r)) : undefined,
        ),
      );
      await sim?.close();
      await db?.drop();
    });

    function startHub(objects: KubeObject[]) {
      return (async () => {
        const port = await freePort();
        // In-cluster NATS names mapped to the local nodes; the database is this test's fresh one.
        const env = {
          ...hubEnv(objects),
          DATABASE_URL: db.url,
          NATS_URL: natsUrls.join(','),
          AGENT_NATS_URL: natsUrls.join(','),
          PORT: String(port),
          HOST: '127.0.0.1',
        };
        const child = spawn(
          process.execPath,
          ['--import', '@swc-node/register/esm-register', 'apps/control-plane/src/main.ts'],
          {
            cwd: REPO_ROOT,
            env: { PATH: process.env['PATH'] ?? '', ...env },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        const log = { text: '' };
        child.stdout!.on('data', (b: Buffer) => (log.text += b.toString()));
        child.stderr!.on('data', (b: Buffer) => (log.text += b.toString()));
        const hub = { child, log, url: `http://127.0.0.1:${port}` };
        hubs.push(hub);
        return hub;
      })();
    }
    const ready = (hub: { child: ChildProcess; log: { text: string }; url: string }) =>
      eventually(
        async () => {
          if (hub.child.exitCode !== null)
            throw new Error(`exited ${hub.child.exitCode}: ${hub.log.text.slice(-3000)}`);
          const [h, l] = await Promise.all([fetch(`${hub.url}/healthz`), fetch(`${hub.url}/livez`)]);
          return h.status === 200 && l.status === 200;
        },
        { timeoutMs: 90_000, intervalMs: 250, what: `control plane ${hub.url} ready` },
      );
    const appliedMigrations = async () => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        return (await client.query('SELECT id, timestamp, name FROM migrations ORDER BY id')).rows as {
          id: number;
          name: string;
        }[];
      } finally {
        await client.end();
      }
    };

    it('applies to kube-sim, runs the rendered NATS cluster and two replicas started together (each migration once); N → N+1 changes only the chart label and migrates nothing', async () => {
      const rendered = await helm(helmBin, [
        'template',
        RELEASE,
        CHART,
        '--namespace',
        NS,
        '-f',
        secretsFile,
        '--set',
        `databaseUrl=${DB_URL}`,
        ...INGRESS.flatMap((s) => ['--set', s]),
      ]);
      const objects = parseObjects(rendered);
      writeFileSync(join(dir, 'n.yaml'), rendered);
      await k(['create', 'namespace', NS]);
      await k(['apply', '--server-side', '--field-manager', 'helm', '-f', join(dir, 'n.yaml')]);
      const stored = JSON.parse(await k(['get', 'deployment', RELEASE, '-n', NS, '-o', 'json']));
      expect(stored.spec.replicas).toBe(2);
      expect(restrictedViolations(stored.spec.template.spec)).toEqual([]);
      const names = (
        await k([
          'get',
          'deployments,statefulsets,services,serviceaccounts,poddisruptionbudgets,ingresses,secrets,configmaps',
          '-n',
          NS,
          '-o',
          'name',
        ])
      )
        .trim()
        .split('\n');
      for (const o of objects)
        expect(names).toContain(
          `${o.kind.toLowerCase()}${o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : ''}/${o.metadata.name}`,
        );

      // The rendered nats-server.conf on three real nodes: in-cluster names and ports mapped to local ones.
      const conf = one(objects, 'Secret', `${RELEASE}-nats-config`).stringData['nats-server.conf'] as string;
      const ports = await Promise.all(
        [0, 1, 2].map(async () => ({ client: await freePort(), route: await freePort(), http: await freePort() })),
      );
      natsUrls = ports.map((p) => `nats://127.0.0.1:${p.client}`);
      const bin = findNatsServer();
      for (const [i, p] of ports.entries()) {
        let local = conf
          .replace('host: "0.0.0.0"\nport: 4222', `host: "127.0.0.1"\nport: ${p.client}`)
          .replace('http_port: 8222', `http_port: ${p.http}`)
          .replace(/(cluster \{[\s\S]*?)host: "0.0.0.0"\n(\s*)port: 6222/, `$1host: "127.0.0.1"\n$2port: ${p.route}`)
          .replace('"/data/jetstream"', JSON.stringify(join(dir, `js-${i}`)))
          .replace('"/var/run/nats/nats.pid"', JSON.stringify(join(dir, `nats-${i}.pid`)));
        for (const [j, q] of ports.entries()) local = local.replace(`${podHost(j)}:6222`, `127.0.0.1:${q.route}`);
        expect(local).not.toMatch(/svc\.cluster\.local|4222|6222|8222/);
        writeFileSync(join(dir, `nats-${i}.conf`), local, { mode: 0o600 });
        mkdirSync(join(dir, `js-${i}`));
        const child = spawn(bin, ['-c', join(dir, `nats-${i}.conf`)], {
          env: { PATH: process.env['PATH'] ?? '', POD_NAME: `${RELEASE}-nats-${i}` },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const log = { text: '' };
        child.stdout!.on('data', (b: Buffer) => (log.text += b.toString()));
        child.stderr!.on('data', (b: Buffer) => (log.text += b.toString()));
        nats.push({ child, log });
      }
      for (const [i, p] of ports.entries())
        await eventually(
          async () => {
            const routez = (await (await fetch(`http://127.0.0.1:${p.http}/routez`)).json()) as { num_routes: number };
            const varz = (await (await fetch(`http://127.0.0.1:${p.http}/varz`)).json()) as { server_name: string };
            return routez.num_routes >= 2 && varz.server_name === `${RELEASE}-nats-${i}`;
          },
          {
            timeoutMs: 30_000,
            intervalMs: 200,
            what: `NATS node ${i} routed to the others (${nats[i]!.log.text.slice(-2000)})`,
          },
        );

      // Two replicas started together on an empty database: the advisory lock lets one migrate.
      const [a, b] = await Promise.all([startHub(objects), startHub(objects)]);
      await Promise.all([ready(a!), ready(b!)]);
      const applied = await appliedMigrations();
      expect(applied.map((m) => m.name).sort()).toEqual(migrations.map((m) => m.name).sort());
      // The stream and bucket are replicated on the 3 nodes (NATS_STREAM_REPLICAS from the chart).
      // A node lists a stream once the cluster's meta leader has placed it there: wait for it.
      const streams: any[] = await eventually(
        async () => {
          const jsz = (await (
            await fetch(`http://127.0.0.1:${ports[0]!.http}/jsz?accounts=true&streams=true&config=true`)
          ).json()) as any;
          const found = (jsz.account_details ?? []).flatMap((acc: any) => acc.stream_detail ?? []);
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 30_000 },
      );
      for (const s of streams) expect(s.config.num_replicas).toBe(3);

      // A cluster record made on N, to see it survive the upgrade.
      const token = secretEnv(one(objects, 'Secret', RELEASE))['ADMIN_TOKEN'];
      const created = (await (
        await fetch(`${a!.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            query:
              'mutation { createRegistrationToken(input: { name: "upgrade-check", tags: [], expiresIn: 3600, maxUses: 1 }) { token } }',
          }),
        })
      ).json()) as any;
      expect(created.errors).toBeUndefined();

      // Version N+1: the same values; only the chart's version label differs.
      const next = join(dir, 'chart-next');
      cpSync(CHART, next, { recursive: true });
      writeFileSync(
        join(next, 'Chart.yaml'),
        readFileSync(join(CHART, 'Chart.yaml'), 'utf8').replace(/^version: .*$/m, 'version: 99.0.0'),
      );
      const n1 = await helm(helmBin, [
        'template',
        RELEASE,
        next,
        '--namespace',
        NS,
        '-f',
        secretsFile,
        '--set',
        `databaseUrl=${DB_URL}`,
        ...INGRESS.flatMap((s) => ['--set', s]),
      ]);
      expect(n1).toContain('helm.sh/chart: flotilla-hub-99.0.0');
      const unlabel = (yaml: string) => yaml.replace(/helm\.sh\/chart: flotilla-hub-[0-9.]+/g, 'helm.sh/chart: X');
      expect(unlabel(n1)).toBe(unlabel(rendered));
      // Pod templates carry no chart version and their checksums cover the data only: no pod restarts.
      for (const kind of ['Deployment', 'StatefulSet'])
        expect(one(parseObjects(n1), kind).spec.template).toEqual(one(objects, kind).spec.template);
      const templateBefore = JSON.parse(await k(['get', 'deployment', RELEASE, '-n', NS, '-o', 'json'])).spec.template;
      writeFileSync(join(dir, 'n1.yaml'), n1);
      await k(['apply', '--server-side', '--field-manager', 'helm', '-f', join(dir, 'n1.yaml')]);
      const after = JSON.parse(await k(['get', 'deployment', RELEASE, '-n', NS, '-o', 'json']));
      expect(after.spec.template).toEqual(templateBefore);
      expect(after.metadata.labels['helm.sh/chart']).toBe('flotilla-hub-99.0.0');
      // A replica started from N+1's objects (as a changed image or setting would roll one) comes up
      // next to the old ones with no migration left to run; they stop and it serves what N stored.
      const c = await startHub(parseObjects(n1));
      await ready(c!);
      for (const old of [a!, b!]) {
        old.child.kill('SIGTERM');
        await new Promise((r) => (old.child.exitCode !== null ? r(null) : old.child.once('exit', r)));
      }
      expect(await appliedMigrations()).toEqual(applied);
      const tokens = (await (
        await fetch(`${c!.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ registrationTokens { name } }' }),
        })
      ).json()) as any;
      expect(tokens.errors).toBeUndefined();
      expect(tokens.data.registrationTokens.map((t: { name: string }) => t.name)).toContain('upgrade-check');
    });
  });
});
