/**
 * Two control-plane replicas on one PostgreSQL and one NATS: replica K a separate OS process,
 * replica S this test's own. K is killed with SIGKILL in the middle of a wave; S drives the
 * rollout on (every replica advances active rollouts under the rollout's row lock, FOR UPDATE SKIP
 * LOCKED: a dead replica's lock ends with its connection), the rollout completes, and a GraphQL
 * subscription on S keeps receiving the wave's progress. The time from the kill to the next step S
 * drives is measured and must stay within 10 s.
 */
import { jetstream } from '@nats-io/jetstream';
import { AGENT_CONSUMER, AGENT_STREAM, subjects } from '@flotilla/protocol';
import { scaled, slowdown } from '@flotilla/testing';
import { DataSource } from 'typeorm';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from './support/agent.js';
import { spawnControlPlane, type ControlPlaneProcess } from './support/control-plane-process.js';
import { ADMIN_TOKEN } from './support/harness.js';
import { syncReport } from './support/reports.js';
import {
  deployment,
  rolloutAudit,
  ROLLOUT_QUERY,
  ROLLOUTS_QUERY,
  startRolloutFleet,
  type RolloutFleet,
} from './support/rollout-fleet.js';

const FLEET = `waves:
  - name: canary
    selector: { allOf: [canary] }
    soak: 2s
  - name: eu
    selector: { allOf: [edge-eu] }
    soak: 2s
  - name: us
    rest: true
    soak: 1s
`;
const TAKEOVER_LIMIT_MS = 10_000;

interface Progress {
  at: number;
  phase: string;
  waves: { name: string; phase: string }[];
}

describe('a hub replica killed (SIGKILL) in the middle of a wave', { timeout: scaled(120_000) }, () => {
  let f: RolloutFleet;
  let k: ControlPlaneProcess | undefined;
  let ws: Client | undefined;
  beforeAll(async () => {
    f = await startRolloutFleet({
      fleetYaml: FLEET,
      clusters: [
        ['can', ['canary']],
        ['eu-1', ['edge-eu']],
        ['eu-2', ['edge-eu']],
        ['us-1', ['edge-us']],
      ],
    });
    k = await spawnControlPlane(f.h);
  }, scaled(90_000));
  afterAll(async () => {
    await ws?.dispose();
    await k?.kill();
    await f?.close();
  });

  it('the other replica drives the wave on within 10 s; its subscription keeps flowing; the rollout completes', async () => {
    expect((await fetch(`${k!.url}/readyz`)).status).toBe(200);
    const s = f.h.cp;
    const events: Progress[] = [];
    ws = createClient({
      url: `${s.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${ADMIN_TOKEN}` },
      retryAttempts: 0,
    });
    ws.subscribe(
      { query: 'subscription { rolloutProgress { id phase waves { name phase } } }' },
      {
        next: (v) => {
          const r = (v.data as { rolloutProgress: Omit<Progress, 'at'> }).rolloutProgress;
          events.push({ at: Date.now(), phase: r.phase, waves: r.waves });
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    const rev = await f.git.commit({ files: { 'bases/web/deploy.yaml': deployment('web:3.0') }, message: 'web 3.0' });
    const { id } = await eventually(
      async () => (await f.h.gql(ROLLOUTS_QUERY, { rev })).data?.rollouts.edges[0]?.node as { id: string } | undefined,
      15_000,
      'the rollout',
    );
    const wave = async (name: string) =>
      ((await f.h.gql(ROLLOUT_QUERY, { id })).data.rollout.waves as { name: string; phase: string }[]).find(
        (w) => w.name === name,
      )!.phase;
    // The middle of a wave: eu has started, its clusters are told to move and have not all reported.
    await eventually(async () => (await wave('eu')) !== 'PENDING', 20_000, 'wave eu started');
    const euAtKill = await wave('eu');
    const killedAt = Date.now();
    await k!.kill();
    const eventsAtKill = events.length;

    await eventually(
      async () => (await f.h.gql(ROLLOUT_QUERY, { id })).data.rollout.phase === 'SUCCEEDED',
      60_000,
      'the rollout succeeded on the surviving replica',
    );
    await eventually(async () => events.at(-1)?.phase === 'SUCCEEDED', 10_000, 'the final progress event');
    const after = events.slice(eventsAtKill);
    const firstStep = after[0]!.at - killedAt;
    const euPassed = after.find((e) => e.waves.find((w) => w.name === 'eu')!.phase === 'PASSED');
    const euPassedMs = euPassed ? euPassed.at - killedAt : 0;
    console.info(
      `replica kill: wave eu ${euAtKill} at the kill; the surviving replica's first step ${firstStep} ms after it, ` +
        `wave eu passed after ${euPassed ? `${euPassedMs} ms` : 'none'} (soak 2 s), rollout done ${events.at(-1)!.at - killedAt} ms; ` +
        `${after.length} progress events on the survivor's subscription after the kill (slowdown ${slowdown()})`,
    );
    // S drove the wave on: its next step came soon after the kill, and the wave passed (soak included) within the limit.
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(firstStep).toBeLessThanOrEqual(scaled(TAKEOVER_LIMIT_MS));
    if (euAtKill !== 'PASSED') expect(euPassedMs).toBeLessThanOrEqual(scaled(TAKEOVER_LIMIT_MS));
    // Each wave started and passed once, in order; every cluster runs the new revision.
    const actions = (await rolloutAudit(f.h, id)).map((e) => `${e.action}:${String(e.details['wave'] ?? '')}`);
    expect(actions).toEqual([
      'rollout.start:',
      'rollout.wave.start:canary',
      'rollout.wave.pass:canary',
      'rollout.wave.start:eu',
      'rollout.wave.pass:eu',
      'rollout.wave.start:us',
      'rollout.wave.pass:us',
      'rollout.succeed:',
    ]);
    for (const a of f.agents.values()) expect(a.received.at(-1)).toBe(rev);
  });

  it('a report a dead replica took and never answered is stored by another after INGEST_ACK_WAIT_SECONDS', async () => {
    const ackWaitMs = f.h.config.INGEST_ACK_WAIT_SECONDS * 1000;
    const cluster = f.agents.get('us-1')!.clusterId;
    // The replica that dies: it publishes a report, takes it from the shared consumer, and is gone
    // without an answer. (The surviving replica is stopped meanwhile, so the dying one surely gets it.)
    await f.h.stopControlPlane();
    const dying = await f.h.nats.connect(
      await f.h.nats.userFor(
        { pub: { allow: ['>'] }, sub: { allow: ['_INBOX_DYING.>'] } },
        { inboxPrefix: '_INBOX_DYING' },
      ),
    );
    const js = jetstream(dying);
    await js.publish(subjects.agent(cluster, 'sync'), JSON.stringify(syncReport(cluster, 777_001, 'a'.repeat(40))));
    // It takes messages until it has that report (earlier ones, e.g. heartbeats the stopped replica
    // left in its buffer) and answers none: they all come back after the ack wait.
    const consumer = await js.consumers.get(AGENT_STREAM, AGENT_CONSUMER);
    const mine = subjects.agent(cluster, 'sync');
    await eventually(
      async () => {
        const m = await consumer.next({ expires: 2000 });
        if (m && m.subject === mine && (JSON.parse(m.string()) as { seq: number }).seq === 777_001) return true;
        return false;
      },
      20_000,
      'the dying replica holding the report',
    );
    const diedAt = Date.now();
    await dying.close();
    await f.h.startControlPlane();
    const stored = async () =>
      (
        (await f.h.cp.app
          .get(DataSource)
          .query(`SELECT 1 FROM sync_results WHERE cluster_id = $1 AND seq = 777001`, [cluster])) as unknown[]
      ).length === 1;
    await eventually(stored, ackWaitMs + 30_000, 'the report stored by the surviving replica');
    const storedMs = Date.now() - diedAt;
    console.info(
      `replica kill: a report held by the dead replica stored ${storedMs} ms later (ack wait ${ackWaitMs} ms)`,
    );
    expect(storedMs).toBeLessThanOrEqual(ackWaitMs + scaled(3000));
  });
});
