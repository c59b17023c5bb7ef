import { describe, expect, it } from 'vitest';
import { decode } from '@nats-io/jwt';
import { accountPublicKey, createNatsTrust, systemAccountPublicKey } from './trust.js';
import { natsServerConfig } from './server-config.js';

describe('natsServerConfig', () => {
  it('configures operator mode with a preloaded memory resolver and no authorization block', async () => {
    const trust = await createNatsTrust();
    const conf = await natsServerConfig(trust, { port: 4333, storeDir: '/data/js', httpPort: 8333 });
    expect(conf).toMatch(/^port: 4333$/m);
    expect(conf).toMatch(/^http_port: 8333$/m);
    expect(conf).toContain('resolver: MEMORY');
    expect(conf).toContain(`system_account: "${systemAccountPublicKey(trust)}"`);
    expect(conf).not.toMatch(/authorization|accounts\s*[:{]/);
    expect(conf).not.toContain(trust.accountSeed);
    expect(conf).not.toContain(trust.operatorSeed);
  });

  it('writes an auth timeout as an authorization block holding only the timeout', async () => {
    const trust = await createNatsTrust();
    const conf = await natsServerConfig(trust, { port: 4333, storeDir: '/data/js', authTimeoutSeconds: 10 });
    expect(conf.match(/authorization.*$/gm)).toEqual(['authorization { timeout: 10 }']);
    expect(conf).not.toMatch(/accounts\s*[:{]|users|token|password/);
  });

  it('refuses an auth timeout that is not a positive number of seconds up to 120', async () => {
    const trust = await createNatsTrust();
    for (const bad of [0, -1, Number.NaN, 121])
      await expect(natsServerConfig(trust, { port: 4333, storeDir: '/d', authTimeoutSeconds: bad })).rejects.toThrow(
        /authTimeoutSeconds/,
      );
  });

  it('gives the Flotilla account explicit limits with JetStream on', async () => {
    const trust = await createNatsTrust();
    const conf = await natsServerConfig(trust, { port: 4333, storeDir: '/data/js' });
    const line = conf.split('\n').find((l) => l.trim().startsWith(accountPublicKey(trust)))!;
    const jwt = JSON.parse(line.slice(line.indexOf(':') + 1).trim()) as string;
    const claims = decode<{ limits: Record<string, unknown> }>(jwt);
    expect(claims.nats.limits).toMatchObject({ conn: -1, disk_storage: -1, mem_storage: -1 });
  });
});

describe('natsServerConfig in a cluster', () => {
  const cluster = {
    name: 'flotilla',
    port: 6222,
    routes: ['127.0.0.1:6223', 'n3.example.com:6222'],
    routeUser: 'route',
    routePassword: 'a-long-route-password-0123',
  };

  it('names the server and joins the cluster through routes that carry the route credentials', async () => {
    const trust = await createNatsTrust();
    const conf = await natsServerConfig(trust, { port: 4222, storeDir: '/d', serverName: 'n1', cluster });
    expect(conf).toMatch(/^server_name: "n1"$/m);
    expect(conf).toContain('cluster {\n  name: "flotilla"\n  host: "127.0.0.1"\n  port: 6222\n');
    expect(conf).toContain('  authorization { user: "route", password: "a-long-route-password-0123" }');
    expect(conf).toContain(
      '  routes: ["nats-route://route:a-long-route-password-0123@127.0.0.1:6223", "nats-route://route:a-long-route-password-0123@n3.example.com:6222"]',
    );
    // The top level still has no authorization block (only the cluster's own).
    expect(conf.split('\n').filter((l) => l.startsWith('authorization'))).toEqual([]);
  });

  it('refuses a cluster without a server name, bad routes and weak route passwords', async () => {
    const trust = await createNatsTrust();
    const base = { port: 4222, storeDir: '/d', serverName: 'n1' };
    await expect(natsServerConfig(trust, { port: 4222, storeDir: '/d', cluster })).rejects.toThrow(
      /needs a serverName/,
    );
    await expect(natsServerConfig(trust, { ...base, serverName: 'n 1' })).rejects.toThrow(/server name/);
    await expect(
      natsServerConfig(trust, { ...base, cluster: { ...cluster, routes: ['nats-route://x:1'] } }),
    ).rejects.toThrow(/invalid NATS route "nats-route:\/\/x:1"/);
    await expect(natsServerConfig(trust, { ...base, cluster: { ...cluster, routePassword: 'short' } })).rejects.toThrow(
      /route password/,
    );
  });
});
