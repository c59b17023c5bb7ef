/** Finds the nats-server executable: $NATS_SERVER_BIN, then $PATH, then the usual sbin folders. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findNatsServer(): string {
  const fromEnv = process.env.NATS_SERVER_BIN;
  if (fromEnv) return fromEnv;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  throw new Error('nats-server not found: install it (`apt-get install -y nats-server`) or set NATS_SERVER_BIN');
}
