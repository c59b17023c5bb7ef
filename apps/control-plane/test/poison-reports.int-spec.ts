/**
 * Issue 13 item 3 through the real nats-server, PostgreSQL and control plane: a poison report
 * among valid ones from two clusters never holds up the others. (Since the relay, an agent's
 * schema poison is refused before it reaches the stream; the ingest still guards the stream.) One refused by its schema (a
 * duration over the integer column, a NUL character), one the database refuses, and one that
 * keeps failing are each kept in dead_letters (visible to admins over GraphQL and counted in a
 * metric); every valid report around them is stored, and ingest carries on.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { AGENT_CONSUMER, AGENT_STREAM, subjects } from '@flotilla/protocol';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent, type TestAgent } from './support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from './support/harness.js';
import { syncReport } from './support/reports.js';

const REV = 'a'.repeat(40);
const HISTORY = 'query($id: ID) { cluster(id: $id) { syncHistory(first: 50) { edges { node { seq } } } } }';
const DEAD = `{ deadLetters(first: 50) { totalCount edges { node { subject clusterId reason detail payload payloadBytes deliveries } } } }`;
/** Seqs the test database refuses as a data error (class 23) and fails on as if it were away (57014). */
const REFUSED_SEQ = 666;
const FLAKY_SEQ = 777;

describe('poison reports', () => {
  let h: Harness;
  let a: TestAgent;
  let b: TestAgent;
  beforeAll(async () => {
    // A long flush window, so each burst below lands in one batch.
    h = await startHarness({ INGEST_FLUSH_MS: '400', INGEST_MAX_DELIVER: '3' });
    a = await registerAgent(h, (await createRegistrationToken(h)).token, 'poison-a');
    b = await registerAgent(h, (await createRegistrationToken(h)).token, 'poison-b');
    await h.cp.app.get(DataSource).query(`
      ALTER TABLE sync_results ADD CONSTRAINT test_refused_seq CHECK (seq <> ${REFUSED_SEQ});
      CREATE FUNCTION test_flaky_seq() RETURNS trigger AS $$
      BEGIN
        IF NEW.seq = ${FLAKY_SEQ} THEN RAISE EXCEPTION 'canceled for the test' USING ERRCODE = '57014'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql;
      CREATE TRIGGER test_flaky_seq BEFORE INSERT ON sync_results FOR EACH ROW EXECUTE FUNCTION test_flaky_seq();`);
  });
  afterAll(async () => {
    for (const x of [a, b]) await x?.close().catch(() => undefined);
    await h?.close();
  });

  const seqs = async (id: string) =>
    ((await h.gql(HISTORY, { id })).data.cluster.syncHistory.edges as { node: { seq: number } }[])
      .map((e) => e.node.seq)
      .sort((x, y) => x - y);
  const dead = async () => (await h.gql(DEAD)).data.deadLetters as { totalCount: number; edges: { node: any }[] };
  const metric = async (reason: string) => {
    const text = await (await fetch(`${h.cp.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`flotilla_agent_messages_dead_lettered_total{reason="${reason}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  it("the consumer never drops a message itself (max_deliver -1): giving up is ingest's decision", async () => {
    const nc = await h.nats.connect(h.nats.hub);
    try {
      const info = await (await jetstreamManager(nc)).consumers.info(AGENT_STREAM, AGENT_CONSUMER);
      expect(info.config.max_deliver).toBe(-1);
    } finally {
      await nc.close();
    }
  });

  it('schema poison (durationMs over integer, NUL in error.reason) among valid reports of two clusters: the valid ones land, the poison ones are dead letters', async () => {
    const poisonA = syncReport(a.clusterId, 2, REV, { durationMs: 3_000_000_000 });
    const poisonB = syncReport(b.clusterId, 2, REV, {
      state: 'Failed',
      error: { stage: 'apply', code: 'X', reason: 'bad \u0000 byte', retryable: true },
    });
    // An agent's poison is refused at the relay, naming the field, and never reaches the stream...
    await a.report('sync', syncReport(a.clusterId, 1, REV));
    const refusedA = await a.send('sync', poisonA);
    expect(refusedA).toMatchObject({ ok: false, code: 'invalid', retryable: false });
    expect(!refusedA.ok && refusedA.error).toContain('durationMs');
    await b.report('sync', syncReport(b.clusterId, 1, REV));
    const refusedB = await b.send('sync', poisonB);
    expect(!refusedB.ok && refusedB.error).toContain('error.reason');
    // ...and poison already in the stream (stored before the relay validated) becomes a dead letter.
    const hub = await h.nats.connect(h.nats.hub);
    try {
      await jetstream(hub).publish(subjects.agent(a.clusterId, 'sync'), JSON.stringify(poisonA));
      await jetstream(hub).publish(subjects.agent(b.clusterId, 'sync'), JSON.stringify(poisonB));
    } finally {
      await hub.close();
    }
    await a.report('sync', syncReport(a.clusterId, 3, REV));
    await b.report('sync', syncReport(b.clusterId, 3, REV));

    await eventually(
      async () => (await seqs(a.clusterId)).length === 2 && (await seqs(b.clusterId)).length === 2,
      30_000,
      'valid reports stored',
    );
    expect(await seqs(a.clusterId)).toEqual([1, 3]);
    expect(await seqs(b.clusterId)).toEqual([1, 3]);
    const letters = await eventually(
      async () => {
        const d = await dead();
        return d.totalCount >= 2 ? d : undefined;
      },
      30_000,
      'dead letters',
    );
    const byCluster = Object.fromEntries(letters.edges.map((e) => [e.node.clusterId, e.node]));
    expect(byCluster[a.clusterId]).toMatchObject({ reason: 'schema', deliveries: 1 });
    expect(byCluster[a.clusterId].detail).toContain('durationMs');
    expect(byCluster[a.clusterId].payload).toContain('3000000000');
    expect(byCluster[b.clusterId]).toMatchObject({ reason: 'schema' });
    expect(byCluster[b.clusterId].detail).toContain('error.reason');
    expect(await metric('schema')).toBe(2);
  });

  it('a report the database refuses is written alone and kept; the rest of its batch lands', async () => {
    await a.report('sync', syncReport(a.clusterId, 10, REV));
    await b.report('sync', syncReport(b.clusterId, REFUSED_SEQ, REV));
    await a.report('sync', syncReport(a.clusterId, 11, REV));
    await b.report('sync', syncReport(b.clusterId, 12, REV));
    await eventually(
      async () => (await seqs(b.clusterId)).includes(12) && (await seqs(a.clusterId)).includes(11),
      30_000,
      'batch stored',
    );
    expect(await seqs(a.clusterId)).toEqual([1, 3, 10, 11]);
    expect(await seqs(b.clusterId)).toEqual([1, 3, 12]);
    const letter = await eventually(
      async () => (await dead()).edges.find((e) => e.node.reason === 'database_refused')?.node,
      30_000,
      'database_refused dead letter',
    );
    expect(letter).toMatchObject({ clusterId: b.clusterId, deliveries: 1 });
    expect(letter.detail).toContain('test_refused_seq');
    expect(await metric('database_refused')).toBe(1);
  });

  it('a report that keeps failing is redelivered at most INGEST_MAX_DELIVER times, then kept; others pass it meanwhile', async () => {
    await a.report('sync', syncReport(a.clusterId, FLAKY_SEQ, REV));
    await b.report('sync', syncReport(b.clusterId, 20, REV));
    await eventually(async () => (await seqs(b.clusterId)).includes(20), 30_000, 'b stored past the flaky one');
    const letter = await eventually(
      async () => (await dead()).edges.find((e) => e.node.reason === 'redeliveries_spent')?.node,
      60_000,
      'redeliveries_spent dead letter',
    );
    expect(letter).toMatchObject({ clusterId: a.clusterId, deliveries: 3 });
    expect(letter.detail).toContain('canceled for the test');
    expect(await seqs(a.clusterId)).not.toContain(FLAKY_SEQ);

    // Ingest carries on.
    await a.report('sync', syncReport(a.clusterId, 30, REV));
    await eventually(async () => (await seqs(a.clusterId)).includes(30), 30_000, 'a stored after the dead letter');
  });

  it('dead letters are for admins only', async () => {
    const created = await h.gql('mutation { createApiToken(input: { name: "dl-viewer", role: OPERATOR }) { token } }');
    const r = await h.gql(DEAD, {}, created.data.createApiToken.token);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(r.data?.deadLetters ?? null).toBeNull();
  });
});
