/**
 * Finds the nats-server executable: $FLOTILLA_NATS_SERVER (what `npm start` and `npm test` set
 * once they found or installed it), else $NATS_SERVER_BIN, then $PATH, then the usual sbin folders.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.FLOTILLA_NATS_SERVER || env.NATS_SERVER_BIN;
  if (fromEnv) return fromEnv;
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  throw new Error(
    'nats-server not found: install it (`apt-get install -y nats-server`) or set FLOTILLA_NATS_SERVER to its path',
  );
}
