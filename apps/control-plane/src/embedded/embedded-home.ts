/**
 * The `.flotilla/` folder of the embedded default: data of PostgreSQL and NATS, and the local
 * secrets (NATS trust seeds, the admin API token, the at-rest encryption key), each in a file
 * readable by its owner only (0600), created once and reused on every start.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNatsTrust, type NatsTrust } from '@flotilla/nats-auth';

export interface EmbeddedSecrets {
  trust: NatsTrust;
  adminToken: string;
  secretKey: string;
}

export class EmbeddedHome {
  constructor(readonly root: string) {
    // The root stays traversable: as root, PostgreSQL runs as the OS user `postgres`.
    mkdirSync(root, { recursive: true, mode: 0o755 });
    chmodSync(root, 0o755);
    mkdirSync(this.secretsDir, { recursive: true, mode: 0o700 });
    chmodSync(this.secretsDir, 0o700);
  }

  get postgresDir(): string {
    return join(this.root, 'postgres', 'data');
  }

  get natsDir(): string {
    return join(this.root, 'nats');
  }

  get secretsDir(): string {
    return join(this.root, 'secrets');
  }

  /** Reads the local secrets, creating the missing ones. */
  async secrets(): Promise<EmbeddedSecrets> {
    const trust = await this.json<NatsTrust>('nats-trust.json', () => createNatsTrust());
    const adminToken = this.text('admin-token', () => `flt_admin_${randomBytes(32).toString('base64url')}`);
    const secretKey = this.text('secret-key', () => randomBytes(32).toString('base64'));
    return { trust, adminToken, secretKey };
  }

  private text(name: string, create: () => string): string {
    const file = join(this.secretsDir, name);
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const value = create();
    writeFileSync(file, `${value}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return value;
  }

  private async json<T>(name: string, create: () => Promise<T>): Promise<T> {
    const file = join(this.secretsDir, name);
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
    const value = await create();
    writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    return value;
  }
}
