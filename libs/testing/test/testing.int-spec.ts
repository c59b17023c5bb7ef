import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager, jetstream } from '@nats-io/jetstream';
import { createTestDatabase, freePort, startNats, type TestNats, scaled } from '@flotilla/testing';

describe('freePort', () => {
  it('returns a port that can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((r) => server.close(r));
  });
});

describe('startNats', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(async () => {
    await nats[Symbol.asyncDispose]();
  });

  it('lets the hub user manage JetStream in the Flotilla account', async () => {
    const nc = await nats.connect(nats.hub);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.getAccountInfo();
    expect(info.limits.max_storage).toBe(-1);
    await nc.close();
  });

  it('shows connections by client name on the monitoring endpoint', async () => {
    const nc = await nats.connect(nats.hub, { name: 'monitored-client' });
    const connz = (await (await fetch(`${nats.monitorUrl}/connz`)).json()) as { connections: { name?: string }[] };
    expect(connz.connections.map((c) => c.name)).toContain('monitored-client');
    await nc.close();
  });

  it('mints users with exactly the permissions asked for', async () => {
    const creds = await nats.userFor({ pub: { allow: ['only.this'] }, sub: { allow: ['_INBOX.>'] } });
    const nc = await nats.connect(creds);
    const errors: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error));
    })();
    nc.publish('not.this', 'x');
    await nc.flush();
    await expect.poll(() => errors.join()).toMatch(/permissions violation for publish to "not.this"/i);
    await nc.close();
  });

  it('restarts on the same port and keeps JetStream data', async () => {
    const admin = await nats.userFor({ pub: { allow: ['>'] }, sub: { allow: ['>'] } });
    let nc = await nats.connect(admin);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'KEEP', subjects: ['keep.>'] });
    await jetstream(nc).publish('keep.one', 'hello');
    await nc.close();

    await nats.stop();
    await expect(nats.connect(admin, { timeout: scaled(500), reconnect: false })).rejects.toThrow();
    await nats.start();

    nc = await nats.connect(admin);
    const info = await (await jetstreamManager(nc)).streams.info('KEEP');
    expect(info.state.messages).toBe(1);
    await nc.close();
  });
});

describe('createTestDatabase', () => {
  it('creates a fresh database and drops it', async () => {
    const db = await createTestDatabase();
    expect(db.name).toMatch(/^flotilla_test_[0-9a-f]+$/);
    const client = new pg.Client({ connectionString: db.url });
    const terminated: Error[] = [];
    client.on('error', (e) => terminated.push(e)); // dropping WITH (FORCE) ends this session
    await client.connect();
    const { rows } = await client.query<{ db: string }>('select current_database() as db');
    expect(rows[0]!.db).toBe(db.name);
    await db.drop();
    await expect(client.query('select 1')).rejects.toThrow();
    expect(terminated.length).toBeGreaterThan(0);
    await client.end().catch(() => undefined);
    const again = new pg.Client({ connectionString: db.url });
    await expect(again.connect()).rejects.toThrow(/does not exist/);
  });
});
