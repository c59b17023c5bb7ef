// Never fight another controller: per-object ignore rules (by field manager, by JSON pointer)
// keep another writer's fields out of drift, and a writer that sets a field back after every
// revert is given up after five reverts with one alert naming it — while hand edits of other
// fields are still reverted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@flotilla/gitops';
import type { ReconcileRuntime } from '../src/reconcile/runtime.js';
import { namespace } from './support/manifests.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';

const deployment = (name: string, annotations: Record<string, string> = {}) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: fight
  annotations: ${JSON.stringify(annotations)}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: app, image: "nginx:1.27"}]}
`;

interface Live extends KubeObject {
  spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } };
}

describe('ignore rules and fighting writers', () => {
  let env: ReconcileEnv;
  let runtime: ReconcileRuntime;
  const get = (name: string) => env.sim.api.store.get('deployments.apps', 'fight', name) as Live;
  const replicas = (name: string) => get(name).spec.replicas;
  const write = (name: string, manager: string, patch: object) =>
    env.sim.api.patch(env.sim.api.registry.lookup('apps', 'v1', 'deployments')!, 'fight', name, 'merge', patch, {
      manager,
      dryRun: false,
      force: false,
    });
  /** The agent has seen the latest version of `name` and finished every check and revert. */
  const caughtUp = async (name: string) => {
    await waitFor(
      () => runtime.live.get(`fight_${name}_apps_Deployment`)?.metadata['resourceVersion'],
      (v) => v === get(name).metadata['resourceVersion'],
      10_000,
      `the agent to see ${name}`,
    );
    await runtime.drift.settled();
  };

  beforeAll(async () => {
    env = await startReconcileEnv();
    const rev = await env.git.commit({
      files: {
        'clusters/edge/ns.yaml': namespace('fight'),
        'clusters/edge/web.yaml': deployment('web', { 'flotilla.dev/ignore-managers': 'hpa-like' }),
        'clusters/edge/api.yaml': deployment('api', { 'flotilla.dev/ignore-fields': '/spec/replicas' }),
        'clusters/edge/plain.yaml': deployment('plain'),
      },
      message: 'three deployments',
    });
    runtime = await env.startAgent();
    await env.putDesired({ revision: rev, selfHeal: true });
    await env.waitSync((r) => r.some((x) => x.state === 'Synced'));
  });
  afterAll(async () => {
    await env?.close();
  });

  it("ignore-managers: the HPA's replicas are not drift; a hand edit of the image still is", async () => {
    write('web', 'hpa-like', { spec: { replicas: 7 } });
    await caughtUp('web');
    expect(replicas('web')).toBe(7);
    expect(await env.driftReports()).toEqual([]);
    write('web', 'kubectl-edit', { spec: { template: { spec: { containers: [{ name: 'app', image: 'evil:1' }] } } } });
    const [drift] = await env.waitDrift((r) => r.length > 0);
    expect(drift).toMatchObject({
      object: { name: 'web' },
      fields: [expect.stringContaining('image')],
      resolution: 'reverted',
    });
    await waitFor(
      () => get('web').spec.template.spec.containers[0]!.image,
      (i) => i === 'nginx:1.27',
      5000,
      'image reverted',
    );
  });

  it('ignore-fields: a JSON pointer leaves /spec/replicas to whoever sets it, through a resync too', async () => {
    const before = (await env.driftReports()).length;
    write('api', 'someone', { spec: { replicas: 4 } });
    await caughtUp('api');
    const n = (await env.syncReports()).length;
    await runtime.loop.trigger('resync');
    const last = (await env.waitSync((r) => r.length > n)).at(-1)!;
    expect(last.objects.filter((o) => o.action !== 'unchanged')).toEqual([]);
    expect(replicas('api')).toBe(4);
    expect((await env.driftReports()).length).toBe(before);
  });

  it('a writer that sets replicas back after five reverts is given up with one alert naming it', async () => {
    const before = (await env.driftReports()).length;
    for (let i = 0; i < 5; i++) {
      write('plain', 'autoscaler', { spec: { replicas: 9 } });
      await waitFor(
        () => replicas('plain'),
        (r) => r === 2,
        5000,
        `revert ${i + 1}`,
      );
      await caughtUp('plain');
    }
    write('plain', 'autoscaler', { spec: { replicas: 9 } });
    const reports = await env.waitDrift((r) => r.length >= before + 6);
    const alert = reports.at(-1)!;
    expect(alert).toMatchObject({
      object: { name: 'plain' },
      fields: ['spec.replicas'],
      managers: ['autoscaler'],
      resolution: 'reported',
      message: expect.stringContaining('fighting writer: autoscaler'),
    });
    expect(reports.slice(before, before + 5).every((r) => r.resolution === 'reverted')).toBe(true);
    await caughtUp('plain');
    expect(replicas('plain')).toBe(9);
    // Given up: a further change by the same writer is neither healed nor reported, nor is it
    // written back by a resync; the agent still reports nothing new.
    write('plain', 'autoscaler', { spec: { replicas: 10 } });
    await caughtUp('plain');
    const n = (await env.syncReports()).length;
    await runtime.loop.trigger('resync');
    const last = (await env.waitSync((r) => r.length > n)).at(-1)!;
    expect(last.objects.find((o) => o.name === 'plain')).toMatchObject({ action: 'unchanged' });
    expect(replicas('plain')).toBe(10);
    expect((await env.driftReports()).length).toBe(before + 6);
  });
});
