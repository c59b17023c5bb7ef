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

  it('gives the Flotilla account explicit limits with JetStream on', async () => {
    const trust = await createNatsTrust();
    const conf = await natsServerConfig(trust, { port: 4333, storeDir: '/data/js' });
    const line = conf.split('\n').find((l) => l.trim().startsWith(accountPublicKey(trust)))!;
    const jwt = JSON.parse(line.slice(line.indexOf(':') + 1).trim()) as string;
    const claims = decode<{ limits: Record<string, unknown> }>(jwt);
    expect(claims.nats.limits).toMatchObject({ conn: -1, disk_storage: -1, mem_storage: -1 });
  });
});
