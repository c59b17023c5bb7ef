/**
 * The agent keeps its credential in a Kubernetes Secret (`--state-secret`), so a pod needs no
 * PersistentVolume: its state dir is an emptyDir that a restart empties. A real agent process
 * registers against kube-sim, the Secret is read back with the real kubectl, the state dir and the
 * token file are wiped, and the next process comes back on the credential from the Secret.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { startNats, type TestNats, scaled } from '@flotilla/testing';
import { KubeClient } from '../src/kube/kube-client.js';
import { loadKubeconfig } from '../src/kube/kubeconfig.js';
import { SecretStateStore } from '../src/state/secret-state-store.js';
import { startFakeHub, type FakeHub } from './support/fake-hub.js';
import { kubectl as runKubectl, kubectlPath } from './support/kubectl.js';
import { runAgentBin } from './support/run-agent-bin.js';
import { createAgentStream, heartbeatCount } from './support/stream.js';

const TOKEN = 'flt_state_secret_token';

const runAgent = (args: string[]) => runAgentBin(args, { FLOTILLA_TOKEN: '' });

describe('agent state in a Kubernetes Secret', () => {
  let nats: TestNats;
  let hubNc: NatsConnection;
  let jsm: JetStreamManager;
  let hub: FakeHub;
  let sim: KubeSim;
  let dir: string;
  let client: KubeClient;
  let bin: string;
  const kubectl = (args: string[]) => runKubectl(bin, sim.kubeconfigPath, join(dir, 'cache'), args);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-state-secret-'));
    [nats, sim] = await Promise.all([
      startNats(),
      startKubeSim({ name: 'state', kubeconfigPath: join(dir, 'kubeconfig'), simulate: false }),
    ]);
    hubNc = await nats.connect(nats.hub);
    jsm = await createAgentStream(hubNc);
    hub = await startFakeHub({ trust: nats.trust, natsUrl: nats.url, token: TOKEN, heartbeatIntervalSeconds: 1 });
    client = new KubeClient(loadKubeconfig(sim.kubeconfigPath));
    bin = await kubectlPath();
  });
  afterAll(async () => {
    client?.close();
    await hub?.close();
    await hubNc?.close();
    await nats?.[Symbol.asyncDispose]();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores, reads and removes keys of one Secret, leaving the other keys alone', async () => {
    const store = new SecretStateStore(client, 'default', 'store-test', 10);
    expect(await store.read('a')).toBeUndefined();
    await store.write('a', 'first\n');
    await store.write('b', JSON.stringify({ x: 1 }));
    await store.write('a', 'second\n');
    expect(await store.read('a')).toBe('second\n');
    expect(await store.read('b')).toBe('{"x":1}');
    await store.remove('a');
    await store.remove('never-there');
    expect(await store.read('a')).toBeUndefined();
    const live = JSON.parse(await kubectl(['get', 'secret', 'store-test', '-n', 'default', '-o', 'json']));
    expect(live.type).toBe('Opaque');
    expect(Object.keys(live.data)).toEqual(['b']);
    await expect(store.write('big', 'x'.repeat(300 * 1024))).rejects.toThrow(/more than the 262144/);
  });

  it('registers into the Secret and restarts on it with an empty state dir and no token file', async () => {
    const stateDir = join(dir, 'empty-dir');
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, TOKEN);
    const args = [
      '--server',
      hub.url,
      '--name',
      'secret-state',
      '--state-dir',
      stateDir,
      '--token-file',
      tokenFile,
      '--kubeconfig',
      sim.kubeconfigPath,
      '--state-secret',
      'flotilla-agent-state',
      '--state-namespace',
      'default',
      '--node-count',
      '1',
      '--provider',
      'sim',
      '--region',
      'here',
      '--kube-version',
      'v1.31.0',
    ];
    const store = new SecretStateStore(client, 'default', 'flotilla-agent-state');
    const first = runAgent(args);
    let clusterId: string;
    try {
      await expect
        .poll(() => store.read('credential.json').then((t) => t ?? ''), { timeout: scaled(15_000) })
        .not.toBe('');
      clusterId = JSON.parse((await store.read('credential.json'))!).clusterId as string;
      // The key of the registration is removed once the credential is stored.
      await expect.poll(() => store.read('registration-key.json'), { timeout: scaled(10_000) }).toBeUndefined();
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
    }
    // Nothing of the credential on disk: the emptyDir held only caches.
    expect(await readdir(stateDir).catch(() => [])).not.toContain('credential.json');
    const secret = JSON.parse(await kubectl(['get', 'secret', 'flotilla-agent-state', '-n', 'default', '-o', 'json']));
    expect(JSON.parse(Buffer.from(secret.data['credential.json'], 'base64').toString()).clusterId).toBe(clusterId);

    await rm(stateDir, { recursive: true, force: true });
    await rm(tokenFile);
    const before = await heartbeatCount(jsm, clusterId);
    const second = runAgent(args);
    try {
      await expect.poll(() => heartbeatCount(jsm, clusterId), { timeout: scaled(15_000) }).toBeGreaterThan(before);
      expect(second.out.stdout).toContain('registration: using the stored credential');
      expect(hub.registrations).toHaveLength(1);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }
  });

  it('refuses --state-secret without --kubeconfig (exit 2)', async () => {
    const agent = runAgent(['--name', 'x', '--state-secret', 'flotilla-agent-state']);
    expect(await agent.exited).toBe(2);
    expect(agent.out.stderr).toContain('--state-secret needs --kubeconfig');
  });
});
