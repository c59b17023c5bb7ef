import { describe, expect, it } from 'vitest';
import { decode } from '@nats-io/jwt';
import { accountPublicKey, createNatsTrust, systemAccountPublicKey } from './trust.js';
import { formatCreds, mintLeafCredentials, natsLeafConfig } from './leaf-config.js';
import { natsServerConfig } from './server-config.js';

const id = '0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21';

describe('natsLeafConfig', () => {
  it('trusts the operator, runs no JetStream and binds each remote to its account', async () => {
    const trust = await createNatsTrust();
    const conf = await natsLeafConfig(trust, {
      port: 4223,
      serverName: 'edge-eu-1',
      remotes: [
        {
          urls: ['nats-leaf://hub-a:7422', 'nats-leaf://hub-b:7422'],
          credentialsPath: '/etc/nats/leaf.creds',
          account: 'flotilla',
        },
        { urls: ['nats-leaf://hub-a:7422'], credentialsPath: '/etc/nats/sys.creds', account: 'system' },
      ],
    });
    expect(conf).toContain('resolver: MEMORY');
    expect(conf).not.toMatch(/^jetstream/m);
    expect(conf).toContain(`default_js_domain: { ${accountPublicKey(trust)}: "" }`);
    expect(conf).toContain(
      `{ urls: ["nats-leaf://hub-a:7422", "nats-leaf://hub-b:7422"], credentials: "/etc/nats/leaf.creds", account: "${accountPublicKey(trust)}" }`,
    );
    expect(conf).toContain(`account: "${systemAccountPublicKey(trust)}" }`);
    expect(conf).not.toMatch(/authorization|accounts\s*[:{]/);
    for (const seed of Object.values(trust)) expect(conf).not.toContain(seed);
  });

  it('refuses a leaf without remotes, bad remote URLs and bad names', async () => {
    const trust = await createNatsTrust();
    const remote = { urls: ['nats-leaf://hub:7422'], credentialsPath: '/c', account: 'flotilla' as const };
    await expect(natsLeafConfig(trust, { port: 1, serverName: 'e', remotes: [] })).rejects.toThrow(
      /at least one remote/,
    );
    await expect(
      natsLeafConfig(trust, { port: 1, serverName: 'e', remotes: [{ ...remote, urls: ['http://hub'] }] }),
    ).rejects.toThrow(/invalid leaf remote URL/);
    await expect(natsLeafConfig(trust, { port: 1, serverName: 'e 1', remotes: [remote] })).rejects.toThrow(
      /server name/,
    );
  });
});

describe('mintLeafCredentials', () => {
  it("mints a Flotilla-account user for the site's clusters and a system user that only carries claim updates", async () => {
    const trust = await createNatsTrust();
    const creds = await mintLeafCredentials(trust, { site: 'edge-eu', clusterIds: [id] });
    const jwtOf = (c: string) => c.split('\n')[1]!;
    const user = decode<{ pub: { allow: string[] }; sub: { allow: string[] } }>(jwtOf(creds.flotilla));
    expect(user.iss).toBe(accountPublicKey(trust));
    expect(user.nats.sub?.allow).toEqual([`$KV.flotilla-desired.${id}`, `_INBOX_${id.replace(/-/g, '')}.>`]);
    const sys = decode<{ pub: { allow: string[] }; sub: { allow: string[] } }>(jwtOf(creds.system));
    expect(sys.iss).toBe(systemAccountPublicKey(trust));
    expect(sys.nats.sub?.allow).toEqual(['$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE']);
    expect(creds.flotilla).toMatch(/^-----BEGIN NATS USER JWT-----\n.+\n------END NATS USER JWT------\n/);
    expect(creds.flotilla).toMatch(/-----BEGIN USER NKEY SEED-----\nSU[A-Z2-7]+\n------END USER NKEY SEED------\n$/);
  });

  it('formats a .creds file as nats-server reads it', () => {
    expect(formatCreds('J', 'S').split('\n').slice(0, 3)).toEqual([
      '-----BEGIN NATS USER JWT-----',
      'J',
      '------END NATS USER JWT------',
    ]);
  });
});

describe('natsServerConfig with leaf nodes', () => {
  it('listens for leaf nodes, advertises the given address and keeps JetStream in the default domain', async () => {
    const trust = await createNatsTrust();
    const conf = await natsServerConfig(trust, {
      port: 4222,
      storeDir: '/d',
      leafnodes: { port: 7422, advertise: 'nats.example.com:7422' },
    });
    expect(conf).toContain('leafnodes { host: "127.0.0.1", port: 7422, advertise: "nats.example.com:7422" }');
    expect(conf).toContain(`default_js_domain: { ${accountPublicKey(trust)}: "" }`);
    await expect(
      natsServerConfig(trust, { port: 4222, storeDir: '/d', leafnodes: { port: 7422, advertise: 'x y' } }),
    ).rejects.toThrow(/advertise/);
    expect(await natsServerConfig(trust, { port: 4222, storeDir: '/d' })).not.toContain('default_js_domain');
  });
});
