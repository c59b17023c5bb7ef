/**
 * infra/nats: generates a production NATS trust chain for Flotilla in JWT mode — the
 * nats-server.conf (operator, system account, MEMORY resolver preloaded with the account JWTs;
 * shape from @flotilla/nats-auth natsServerConfig) and the control plane's secret settings
 * (its own least-privilege NATS user, the account seed that signs agent users, the system user
 * that pushes revocations, an admin API token and the at-rest encryption key).
 *
 *   node --import @swc-node/register/esm-register infra/nats/generate-secrets.ts --out DIR \
 *     [--host 0.0.0.0] [--port 4222] [--http-port 8222] [--store-dir /data/jetstream]
 *
 * Writes DIR/nats-server.conf, DIR/control-plane.secret.env and DIR/trust.json, all 0600.
 * trust.json holds the three root seeds: keep it offline; it is needed to regenerate the config.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createNatsTrust,
  createUser,
  mintUserJwt,
  natsServerConfig,
  systemUserCreds,
  type NatsTrust,
} from '@flotilla/nats-auth';
import { hubPermissions } from '@flotilla/protocol';

export interface GenerateOptions {
  outDir: string;
  host?: string;
  port?: number;
  httpPort?: number;
  storeDir?: string;
  /** Reuse an existing trust chain instead of creating a new one. */
  trust?: NatsTrust;
}

export interface GeneratedFiles {
  natsConf: string;
  controlPlaneEnv: string;
  trustJson: string;
}

export async function generateNatsSecrets(opts: GenerateOptions): Promise<GeneratedFiles> {
  const trust = opts.trust ?? (await createNatsTrust());
  const conf = await natsServerConfig(trust, {
    host: opts.host ?? '0.0.0.0',
    port: opts.port ?? 4222,
    httpPort: opts.httpPort ?? 8222,
    storeDir: opts.storeDir ?? '/data/jetstream',
  });
  const hubUser = createUser();
  const hubJwt = await mintUserJwt(trust, {
    publicKey: hubUser.publicKey,
    name: 'control-plane',
    permissions: hubPermissions(),
  });
  const system = await systemUserCreds(trust);
  const env = [
    '# Secret settings of the Flotilla control plane. Load into the Secret flotilla-control-plane:',
    '#   kubectl -n flotilla create secret generic flotilla-control-plane --from-env-file=control-plane.secret.env',
    '# and add DATABASE_URL (and FLEET_GIT_TOKEN if the fleet repository needs one).',
    `NATS_HUB_JWT=${hubJwt}`,
    `NATS_HUB_SEED=${hubUser.seed}`,
    `NATS_ACCOUNT_SEED=${trust.accountSeed}`,
    `NATS_OPERATOR_SEED=${trust.operatorSeed}`,
    `NATS_SYSTEM_USER_JWT=${system.jwt}`,
    `NATS_SYSTEM_USER_SEED=${system.seed}`,
    `ADMIN_TOKEN=${randomBytes(32).toString('base64url')}`,
    `FLOTILLA_SECRET_KEY=${randomBytes(32).toString('base64')}`,
    '',
  ].join('\n');
  mkdirSync(opts.outDir, { recursive: true, mode: 0o700 });
  const files = {
    natsConf: join(opts.outDir, 'nats-server.conf'),
    controlPlaneEnv: join(opts.outDir, 'control-plane.secret.env'),
    trustJson: join(opts.outDir, 'trust.json'),
  };
  writeFileSync(files.natsConf, conf, { mode: 0o600 });
  writeFileSync(files.controlPlaneEnv, env, { mode: 0o600 });
  writeFileSync(files.trustJson, `${JSON.stringify(trust, null, 2)}\n`, { mode: 0o600 });
  return files;
}

function portArg(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`--${name} must be a port number, got ${JSON.stringify(raw)}`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'http-port': { type: 'string' },
      'store-dir': { type: 'string' },
    },
    strict: true,
  });
  if (!values.out) throw new Error('--out DIR is required');
  if (existsSync(join(values.out, 'trust.json')))
    throw new Error(`${values.out} already holds a trust.json: refusing to replace an existing trust chain`);
  const files = await generateNatsSecrets({
    outDir: values.out,
    host: values.host,
    port: portArg('port', values.port),
    httpPort: portArg('http-port', values['http-port']),
    storeDir: values['store-dir'],
  });
  console.log(
    `wrote ${files.natsConf}, ${files.controlPlaneEnv} and ${files.trustJson} (mode 0600; secrets, keep them out of Git)`,
  );
}

// Run as a script (argv[1] may be a symlink to this file: compare real paths).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`generate-secrets: ${(error as Error).message}`);
    process.exit(2);
  });
}
