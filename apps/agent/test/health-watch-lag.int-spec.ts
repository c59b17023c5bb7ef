// Health under a lagging watch: kube-sim delivers every watch event a random 0..400 ms late, so
// right after an apply the agent's cache still holds the previous, healthy Deployment. A health
// verdict from that copy passes a release that never becomes ready (issue 14, item 1); the agent
// must judge only the object at or after the version its write returned, at that generation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployment, namespace } from './support/manifests.js';
import { startReconcileEnv, type ReconcileEnv } from './support/reconcile-env.js';

const LAG_MS = 400;

describe('health with a lagging watch', () => {
  let env: ReconcileEnv;
  beforeAll(async () => {
    env = await startReconcileEnv({ simulate: { delayMs: 50, progressDeadlineScale: 0.01 } });
    await env.startAgent({ healthTimeoutSeconds: 4 });
  });
  afterAll(async () => {
    await env?.close();
  });

  const rollOut = async (image: string) => {
    const rev = await env.git.commit({
      files: {
        'clusters/edge/ns.yaml': namespace('shop'),
        'clusters/edge/app.yaml': deployment('shop', 'web', 2, image),
      },
      message: image,
    });
    await env.putDesired({ revision: rev });
    const reports = await env.waitSync((r) => r.some((x) => x.revision === rev), 60_000);
    return reports.find((x) => x.revision === rev)!;
  };

  it('never reports a release Healthy from the copy cached before its write', async () => {
    const good = await rollOut('nginx:1.0');
    expect(good).toMatchObject({ state: 'Synced', health: 'Healthy' });
    env.sim.setWatchLag(LAG_MS);
    // Several rounds: each event's lag is random, and every round must hold.
    for (const image of ['nginx:broken', 'nginx:1.0', 'busybox:broken', 'nginx:1.1']) {
      const report = await rollOut(image);
      const web = report.objects.find((o) => o.kind === 'Deployment')!;
      expect(web.action).toBe('configured');
      const live = env.sim.api.store.get('deployments.apps', 'shop', 'web');
      expect(live.spec.template.spec.containers[0].image).toBe(image);
      if (image.endsWith(':broken')) {
        expect(report.health, `${image} must not pass`).not.toBe('Healthy');
        expect(['Degraded', 'Progressing']).toContain(web.health);
      } else {
        expect(report, `${image} becomes Healthy once the watch catches up`).toMatchObject({
          state: 'Synced',
          health: 'Healthy',
        });
        // The report carries what it was judged on, so the hub can check the same rule.
        expect(web.generation).toBe(live.metadata.generation);
        expect(web.observedGeneration).toBeGreaterThanOrEqual(web.generation!);
      }
    }
  });
});
