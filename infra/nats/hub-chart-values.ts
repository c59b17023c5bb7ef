/**
 * infra/nats: the secret values of the flotilla-hub chart, from the same trust chain tooling as
 * generate-secrets.ts (@flotilla/nats-auth): the NATS operator JWT, system account and account
 * JWTs the chart's nats-server.conf preloads, the route credentials of the 3-node cluster, and the
 * control plane's secret settings (its least-privilege NATS user, the account seed that signs
 * agent users, the system user that pushes revocations, an admin API token, the at-rest key).
 *
 *   node --import @swc-node/register/esm-register infra/nats/hub-chart-values.ts --out DIR [--trust FILE]
 *
 * Writes DIR/hub-secrets.yaml (pass it to helm with -f) and, for a new trust chain, DIR/trust.json
 * (the three root seeds: keep it offline), both 0600. Upgrades reuse the values file; to rotate the
 * hub's user or the route password keep the chain with --trust DIR/trust.json.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  accountJwts,
  accountPublicKey,
  createNatsTrust,
  createUser,
  mintUserJwt,
  operatorJwt,
  systemAccountPublicKey,
  systemUserCreds,
  type NatsTrust,
} from '@flotilla/nats-auth';
import { hubPermissions } from '@flotilla/protocol';

/** The values this script owns; the chart's values.yaml documents them. */
export interface HubChartSecretValues {
  secretEnv: Record<string, string>;
  nats: {
    auth: {
      operatorJwt: string;
      systemAccount: string;
      accounts: Record<string, string>;
      routeUser: string;
      routePassword: string;
    };
  };
}

const Trust = z.object({
  operatorSeed: z.string().regex(/^SO[A-Z2-7]+$/, 'must be an operator seed (SO...)'),
  accountSeed: z.string().regex(/^SA[A-Z2-7]+$/, 'must be an account seed (SA...)'),
  systemAccountSeed: z.string().regex(/^SA[A-Z2-7]+$/, 'must be an account seed (SA...)'),
});

export async function hubChartValues(trust: NatsTrust): Promise<HubChartSecretValues> {
  const hubUser = createUser();
  const hubJwt = await mintUserJwt(trust, {
    publicKey: hubUser.publicKey,
    name: 'control-plane',
    permissions: hubPermissions(),
  });
  const system = await systemUserCreds(trust);
  const jwts = await accountJwts(trust);
  return {
    secretEnv: {
      NATS_HUB_JWT: hubJwt,
      NATS_HUB_SEED: hubUser.seed,
      NATS_ACCOUNT_SEED: trust.accountSeed,
      NATS_OPERATOR_SEED: trust.operatorSeed,
      NATS_SYSTEM_USER_JWT: system.jwt,
      NATS_SYSTEM_USER_SEED: system.seed,
      ADMIN_TOKEN: randomBytes(32).toString('base64url'),
      FLOTILLA_SECRET_KEY: randomBytes(32).toString('base64'),
    },
    nats: {
      auth: {
        operatorJwt: await operatorJwt(trust),
        systemAccount: systemAccountPublicKey(trust),
        accounts: { [accountPublicKey(trust)]: jwts.account, [systemAccountPublicKey(trust)]: jwts.system },
        routeUser: 'route',
        routePassword: randomBytes(24).toString('base64url'),
      },
    },
  };
}

/** Writes DIR/hub-secrets.yaml (JSON, which is YAML) and, for a new chain, DIR/trust.json. */
export async function writeHubChartValues(outDir: string, trustFile?: string): Promise<{ values: string }> {
  let trust: NatsTrust;
  if (trustFile) {
    const parsed = Trust.safeParse(JSON.parse(readFileSync(trustFile, 'utf8')));
    if (!parsed.success)
      throw new Error(
        `${trustFile} is not a trust.json: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    trust = parsed.data;
  } else {
    if (existsSync(join(outDir, 'trust.json')))
      throw new Error(`${outDir} already holds a trust.json: pass it with --trust to keep that chain`);
    trust = await createNatsTrust();
  }
  const values = await hubChartValues(trust);
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const file = join(outDir, 'hub-secrets.yaml');
  writeFileSync(
    file,
    `# Secret values of the flotilla-hub chart (helm install … -f ${file}); keep out of Git.\n${JSON.stringify(values, null, 2)}\n`,
    { mode: 0o600 },
  );
  if (!trustFile) writeFileSync(join(outDir, 'trust.json'), `${JSON.stringify(trust, null, 2)}\n`, { mode: 0o600 });
  return { values: file };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, trust: { type: 'string' } },
    strict: true,
  });
  if (!values.out) throw new Error('--out DIR is required');
  const written = await writeHubChartValues(values.out, values.trust);
  console.log(
    `wrote ${written.values}${values.trust ? '' : ` and ${join(values.out, 'trust.json')}`} (mode 0600; secrets, keep them out of Git)`,
  );
}

// Run as a script (argv[1] may be a symlink to this file: compare real paths).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`hub-chart-values: ${(error as Error).message}`);
    process.exit(2);
  });
}
