import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createControlPlane, type ControlPlane } from '../src/bootstrap.js';
import { SubscriptionBus } from '../src/modules/fleet-events/subscription-bus.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/agent.js';
import {
  deployment,
  rolloutAudit,
  ROLLOUT_QUERY,
  ROLLOUTS_QUERY,
  startRolloutFleet,
  type RolloutFleet,
} from './support/rollout-fleet.js';
import { scaled } from '@flotilla/testing';
import { ROLLOUT_TICK_MS } from '../src/modules/rollouts/rollout-engine.service.js';

const FLEET = `onFailure: pause
waves:
  - name: canary
    selector: { allOf: [canary] }
    soak: 3s
  - name: edge
    selector: { anyOf: [edge-eu, edge-us] }
    soak: 1s
`;
const CLUSTERS = [
  ['can', ['canary']],
  ['eu-1', ['edge-eu']],
  ['us-1', ['edge-us']],
  ['us-2', ['edge-us']],
] as const;
async function createApiToken(h: RolloutFleet['h'], role: string): Promise<string> {
  const r = await h.gql('mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }', {
    input: { name: role, role: role.toUpperCase() },
  });
  return r.data.createApiToken.token as string;
}
const START = `mutation($input: StartRolloutInput!) { startRollout(input: $input) { id phase trigger actor waves { name clusters { clusterName } } } }`;

/** Its tests wait on a control plane, agents and git: a deadline that stretches with the load. */
const SLOW = { timeout: scaled(90_000) };

describe('rollout control: by tag, pause/resume, crash resume, two replicas', SLOW, () => {
  let f: RolloutFleet;
  beforeAll(async () => {
    f = await startRolloutFleet({ fleetYaml: FLEET, clusters: CLUSTERS });
  }, scaled(60_000));
  afterAll(async () => f?.close());

  const rolloutOf = (rev: string) =>
    eventually(
      async () => (await f.h.gql(ROLLOUTS_QUERY, { rev })).data?.rollouts.edges[0]?.node as { id: string } | undefined,
      10_000,
      `rollout of ${rev}`,
    );
  const rollout = async (id: string) =>
    (await f.h.gql(ROLLOUT_QUERY, { id })).data.rollout as {
      phase: string;
      waves: { name: string; phase: string; healthyAt: string | null }[];
      actor: string;
      trigger: string;
    };
  const until = (id: string, what: (r: Awaited<ReturnType<typeof rollout>>) => boolean, ms = 20_000) =>
    eventually(
      async () => {
        const r = await rollout(id);
        return what(r) ? r : undefined;
      },
      ms,
      `rollout ${id}`,
    );
  const received = (name: string) => f.agents.get(name)!.received;

  it('startRollout by tag touches only clusters with that tag, as the calling person', async () => {
    const rev = await f.git.commit({ files: { 'README.md': 'x\n' }, message: 'docs' }); // the head moves: all unaffected
    await eventually(
      async () => [...f.agents.values()].every((a) => a.received.at(-1) === rev),
      8000,
      'all on the docs commit',
    );
    const target = await f.git.commit({
      files: { 'bases/web/deploy.yaml': deployment('web:2.0') },
      message: 'web 2.0',
      branch: 'candidate',
    });
    const viewer = await createApiToken(f.h, 'viewer');
    const denied = await f.h.gql(START, { input: { revision: target, selector: { allOf: ['edge-us'] } } }, viewer);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await f.h.gql(START, { input: { revision: 'abc', selector: {} } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // the candidate branch is not tracked: the revision must be on the tracked branch
    const missing = await f.h.gql(START, { input: { revision: target, selector: { allOf: ['edge-us'] } } });
    expect(missing.errors?.[0]?.message).toBe(`revision ${target} is not in the fleet repository`);
    const onMain = await f.git.commit({
      files: {
        'clusters/us-1/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra, namespace: web }\n',
        'clusters/us-2/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra, namespace: web }\n',
        'clusters/eu-1/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra, namespace: web }\n',
      },
      message: 'extras',
    });
    await until((await rolloutOf(onMain)).id, (r) => r.phase === 'SUCCEEDED');
    const next = await f.git.commit({ files: { 'bases/web/deploy.yaml': deployment('web:2.1') }, message: 'web 2.1' });
    const auto = await rolloutOf(next);
    const aborted = await f.h.gql(`mutation($id: ID!) { abortRollout(id: $id) { phase } }`, { id: auto.id });
    expect(aborted.data.abortRollout.phase).toBe('ABORTED');
    // Every agent has taken what it is pinned to now (a pin made before the abort included).
    for (const [n] of CLUSTERS) {
      const agent = f.agents.get(n)!;
      await eventually(
        async () => received(n).at(-1) === (await agent.desired())?.revision,
        10_000,
        `${n} on its desired revision`,
      );
    }
    const before = Object.fromEntries(CLUSTERS.map(([n]) => [n, received(n).at(-1)]));
    const r = await f.h.gql(START, {
      input: {
        revision: next,
        selector: { allOf: ['edge-us'] },
        waves: [{ name: 'us', rest: true, maxParallel: '1' }],
        onFailure: 'PAUSE',
      },
    });
    expect(r.errors).toBeUndefined();
    expect(r.data.startRollout).toMatchObject({
      trigger: 'MANUAL',
      actor: 'bootstrap admin',
      waves: [{ name: 'us', clusters: [{ clusterName: 'us-1' }, { clusterName: 'us-2' }] }],
    });
    await until(r.data.startRollout.id, (x) => x.phase === 'SUCCEEDED');
    expect(received('us-1').at(-1)).toBe(next);
    expect(received('us-2').at(-1)).toBe(next);
    expect(received('can').at(-1)).toBe(before['can']);
    expect(received('eu-1').at(-1)).toBe(before['eu-1']);
    expect((await rolloutAudit(f.h, r.data.startRollout.id))[0]).toMatchObject({
      action: 'rollout.start',
      actorName: 'bootstrap admin',
      details: { revision: next, selector: { allOf: ['edge-us'] } },
    });
  });

  it('pause holds the next wave; resume continues it; both audited with the actor', async () => {
    const rev = await f.git.commit({ files: { 'bases/web/deploy.yaml': deployment('web:3.0') }, message: 'web 3.0' });
    const { id } = await rolloutOf(rev);
    await until(id, (r) => r.waves[0]?.phase === 'SOAKING');
    const paused = await f.h.gql(`mutation($id: ID!) { pauseRollout(id: $id) { phase } }`, { id });
    expect(paused.data.pauseRollout.phase).toBe('PAUSED');
    // Past the end of the canary's soak by its own clock, and two engine ticks more: a wave that
    // ignored the pause would have started by then.
    const soakEnd = Date.parse((await rollout(id)).waves[0]!.healthyAt!) + 3_000 + 2 * ROLLOUT_TICK_MS;
    await eventually(async () => Date.now() > soakEnd, 20_000, 'the canary soak over');
    expect((await rollout(id)).waves.map((w) => w.phase)).toEqual(['SOAKING', 'PENDING']);
    expect(received('eu-1')).not.toContain(rev);
    const again = await f.h.gql(`mutation($id: ID!) { pauseRollout(id: $id) { phase } }`, { id });
    expect(again.errors?.[0]).toMatchObject({
      message: 'cannot pause a rollout that is Paused',
      extensions: { code: 'CONFLICT' },
    });
    await f.h.gql(`mutation($id: ID!) { resumeRollout(id: $id) { phase } }`, { id });
    await until(id, (r) => r.phase === 'SUCCEEDED');
    const actions = (await rolloutAudit(f.h, id)).map((e) => `${e.action}:${e.actorName}`);
    expect(actions).toContain('rollout.pause:bootstrap admin');
    expect(actions).toContain('rollout.resume:bootstrap admin');
  });

  it('a control plane killed mid-wave resumes on restart without skipping or repeating a wave', async () => {
    const rev = await f.git.commit({ files: { 'bases/web/deploy.yaml': deployment('web:4.0') }, message: 'web 4.0' });
    const { id } = await rolloutOf(rev);
    const soaking = await until(id, (r) => r.waves[0]?.phase === 'SOAKING');
    await f.h.stopControlPlane();
    // Down until the canary's soak is over by its own clock: the restarted engine must pass it, then go on.
    const soakEnd = Date.parse(soaking.waves[0]!.healthyAt!) + 3_000;
    await eventually(async () => Date.now() > soakEnd, 20_000, 'the canary soak over');
    await f.h.startControlPlane();
    await until(id, (r) => r.phase === 'SUCCEEDED', 30_000);
    const actions = (await rolloutAudit(f.h, id)).map((e) => `${e.action}:${String(e.details['wave'] ?? '')}`);
    expect(actions).toEqual([
      'rollout.start:',
      'rollout.wave.start:canary',
      'rollout.wave.pass:canary',
      'rollout.wave.start:edge',
      'rollout.wave.pass:edge',
      'rollout.succeed:',
    ]);
  });

  /** A graphql-ws rolloutProgress subscription (all rollouts) on one replica. */
  const progressOn = (cp: ControlPlane) => {
    const client = createClient({
      url: `${cp.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${f.h.config.ADMIN_TOKEN}` },
      retryAttempts: 0,
    });
    const got: { id: string; phase: string }[] = [];
    client.subscribe(
      { query: 'subscription { rolloutProgress { id phase } }' },
      {
        next: (v) => void got.push((v.data as { rolloutProgress: { id: string; phase: string } }).rolloutProgress),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    const bus = cp.app.get(SubscriptionBus) as unknown as { listeners: Map<string, Set<unknown>> };
    return { client, got, live: () => (bus.listeners.get('rolloutProgress')?.size ?? 0) > 0 };
  };
  it('two replicas on one database: exactly one drives each rollout, either serves the API and its subscriptions', async () => {
    let second: ControlPlane | undefined;
    try {
      second = await createControlPlane(f.h.config);
      // A rolloutProgress subscriber on each replica: whichever drives the rollout, both hear it.
      const progress = [f.h.cp, second].map((cp) => progressOn(cp));
      await eventually(
        async () => progress.every((p) => p.live()),
        10_000,
        'rolloutProgress subscriptions live on both replicas',
      );
      const rev = await f.git.commit({ files: { 'bases/web/deploy.yaml': deployment('web:5.0') }, message: 'web 5.0' });
      const { id } = await rolloutOf(rev);
      await until(id, (r) => r.phase === 'SUCCEEDED', 30_000);
      for (const p of progress)
        await eventually(
          async () => p.got.some((r) => r.id === id && r.phase === 'SUCCEEDED'),
          10_000,
          'SUCCEEDED delivered to the subscriber',
        );
      await Promise.all(progress.map((p) => p.client.dispose()));
      const actions = (await rolloutAudit(f.h, id)).map((e) => `${e.action}:${String(e.details['wave'] ?? '')}`);
      expect(actions).toEqual([
        'rollout.start:',
        'rollout.wave.start:canary',
        'rollout.wave.pass:canary',
        'rollout.wave.start:edge',
        'rollout.wave.pass:edge',
        'rollout.succeed:',
      ]);
      const res = await fetch(`${second.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${f.h.config.ADMIN_TOKEN}` },
        body: JSON.stringify({ query: ROLLOUT_QUERY, variables: { id } }),
      });
      expect(((await res.json()) as { data: { rollout: { phase: string } } }).data.rollout.phase).toBe('SUCCEEDED');
    } finally {
      await second?.close();
    }
  });
});
