/**
 * The control plane's whole configuration: one zod schema over the environment.
 * Every key is described; keys marked `secret` are never logged or echoed back.
 */
import { z } from 'zod';
import { natsServers } from '@flotilla/nats-auth';
import { parseTrustedProxies } from '../common/client-address.js';
import { parseDatabaseUrl } from '../database/database-url.js';

const secret = (description: string) => `${description} (secret)`;

function natsUrlList(value: string, ctx: z.RefinementCtx): void {
  try {
    natsServers(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
}
const positiveInt = z.coerce.number().int().positive();

function databaseUrl(value: string, ctx: z.RefinementCtx): void {
  try {
    parseDatabaseUrl(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
}

function isOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === value;
  } catch {
    return false;
  }
}

const Fields = z.object({
  DATABASE_URL: z
    .string()
    .superRefine(databaseUrl)
    .describe(
      'PostgreSQL connection URL, e.g. postgres://user@host:5432/flotilla; several hosts (postgres://user@db-a:5432,db-b:5432/flotilla?target_session_attrs=read-write) are tried in order, and with read-write only a primary is used',
    ),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt
    .default(10_000)
    .describe('Time limit of one connection attempt to PostgreSQL (per host of a multi-host URL)'),
  DATABASE_QUERY_TIMEOUT_MS: positiveInt
    .default(60_000)
    .describe(
      'Time limit of one database query; past it the query fails (a server that went silent is not waited on forever)',
    ),
  NATS_URL: z
    .string()
    .min(1)
    .superRefine(natsUrlList)
    .describe('NATS server URL the control plane connects to; comma-separated URLs of a cluster fail over'),
  NATS_STREAM_REPLICAS: z.coerce
    .number()
    .int()
    .min(1)
    .max(5)
    .default(1)
    .describe('Replicas of the agent stream and the desired-state bucket (3 on a 3-node NATS cluster)'),
  NATS_HUB_JWT: z.string().min(1).describe(secret("User JWT of the control plane's own least-privilege NATS identity")),
  NATS_HUB_SEED: z
    .string()
    .regex(/^SU[A-Z2-7]+$/, 'must be a NATS user seed (SU...)')
    .describe(secret('Seed of the control plane NATS user')),
  NATS_ACCOUNT_SEED: z
    .string()
    .regex(/^SA[A-Z2-7]+$/, 'must be a NATS account seed (SA...)')
    .describe(secret('Account seed that signs agent user JWTs')),
  NATS_OPERATOR_SEED: z
    .string()
    .regex(/^SO[A-Z2-7]+$/, 'must be a NATS operator seed (SO...)')
    .optional()
    .describe(
      secret('Operator seed; with NATS_SYSTEM_USER_* lets deregistration revoke agent credentials on the server'),
    ),
  NATS_SYSTEM_USER_JWT: z
    .string()
    .min(1)
    .optional()
    .describe(secret('System-account user JWT allowed to publish $SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE')),
  NATS_SYSTEM_USER_SEED: z
    .string()
    .regex(/^SU[A-Z2-7]+$/, 'must be a NATS user seed (SU...)')
    .optional()
    .describe(secret('Seed of that system-account user')),
  AGENT_NATS_URL: z
    .string()
    .min(1)
    .superRefine(natsUrlList)
    .optional()
    .describe('NATS URL handed to agents at registration (default: NATS_URL)'),
  ADMIN_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters')
    .describe(secret('Bootstrap admin API token accepted as a bearer token')),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('HTTP port (0 picks a free port)'),
  HOST: z.string().min(1).default('0.0.0.0').describe('HTTP listen address'),
  HEARTBEAT_INTERVAL_SECONDS: positiveInt
    .default(10)
    .describe('Heartbeat interval told to agents; 3 missed intervals mean Offline'),
  REGISTRATION_REQUIRE_APPROVAL: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe(
      'Policy: clusters registered with a token that does not say otherwise wait for approveCluster before they get desired state',
    ),
  AGENT_JWT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(30 * 86_400)
    .default(3_600)
    .describe('Lifetime of the NATS JWTs handed to agents; they renew it before it expires'),
  REGISTER_RATE_LIMIT_PER_MINUTE: positiveInt
    .default(60)
    .describe('POST /v1/register requests allowed per source address per minute'),
  INGEST_BATCH_SIZE: positiveInt.default(500).describe('Most agent messages written to the database in one batch'),
  INGEST_FLUSH_MS: positiveInt.default(50).describe('Longest time an agent message waits before its batch is written'),
  INGEST_MAX_DELIVER: positiveInt
    .default(10)
    .describe(
      'Deliveries of one agent message failing for a reason other than the database being away before ingest keeps it in dead_letters (an outage never counts)',
    ),
  INGEST_ACK_WAIT_SECONDS: positiveInt
    .max(300)
    .default(5)
    .describe(
      'Agent messages a replica took but never answered (it died) go to another replica after this long; a slow write keeps its messages (working)',
    ),
  GRAPHQL_MAX_DEPTH: positiveInt.default(10).describe('Deepest GraphQL selection accepted'),
  GRAPHQL_MAX_ALIASES: positiveInt.default(30).describe('Most aliases accepted in one GraphQL operation'),
  GRAPHQL_MAX_COST: positiveInt
    .default(100_000)
    .describe(
      'Highest estimated GraphQL operation cost accepted: each field costs 1, a page multiplies its items by first/last',
    ),
  GRAPHQL_DEFAULT_LIST_SIZE: positiveInt
    .default(10)
    .describe('Items a list field without first/last is assumed to hold when estimating cost'),
  GRAPHQL_MAX_TOKENS: positiveInt
    .default(2_000)
    .describe('Most lexical tokens in one GraphQL document; longer ones are refused while parsing'),
  GRAPHQL_INTROSPECTION: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true')
    .describe('Answer introspection (__schema, __type) queries; off by default'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const origins = v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      for (const o of origins)
        if (!isOrigin(o))
          ctx.addIssue({ code: 'custom', message: `${o} is not an origin (scheme://host[:port], nothing after)` });
      return origins;
    })
    .describe(
      'Comma-separated browser origins allowed to call the API cross-origin (exact match); empty: same origin only',
    ),
  AUTH_FAILURE_LIMIT_PER_MINUTE: positiveInt
    .default(20)
    .describe(
      'Failed authentications (API tokens, Git webhook secrets) per source address per minute before that address gets 429',
    ),
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const entries = v
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      for (const e of parseTrustedProxies(entries).invalid)
        ctx.addIssue({ code: 'custom', message: `${e} is not an IP address or CIDR (10.0.0.0/8, fd00::/8)` });
      return entries;
    })
    .describe(
      'Comma-separated CIDRs/addresses of reverse proxies whose X-Forwarded-For is believed; empty: socket addresses only',
    ),
  HTTP_MAX_BODY_BYTES: positiveInt
    .default(1024 * 1024)
    .describe('Largest request body accepted on any route, in bytes; larger ones get 413 unread'),
  HTTP_MAX_JSON_DEPTH: positiveInt
    .default(64)
    .describe(
      'Deepest nesting of a JSON request body (GraphQL variables included); deeper ones get 400 while streaming',
    ),
  FLOTILLA_SECRET_KEY: z
    .string()
    .refine(
      (v) => Buffer.from(v, 'base64').length === 32 && /^[A-Za-z0-9+/]{43}=$/.test(v),
      'must be 32 random bytes, base64-encoded (openssl rand -base64 32)',
    )
    .describe(secret('Key that encrypts notification-target URLs and secrets at rest (AES-256-GCM)')),
  FLEET_REPO_URL: z
    .string()
    .url()
    .optional()
    .describe('Smart-HTTP(S) URL of the fleet Git repository; without it no desired state is published'),
  FLEET_BRANCH: z.string().min(1).default('main').describe('Branch of the fleet repository the clusters follow'),
  FLEET_GIT_USERNAME: z
    .string()
    .min(1)
    .optional()
    .describe('User name for the fleet repository (with FLEET_GIT_TOKEN)'),
  FLEET_GIT_TOKEN: z.string().min(1).optional().describe(secret('Token or password for the fleet repository')),
  FLEET_POLL_INTERVAL_SECONDS: positiveInt
    .default(30)
    .describe('How often the branch head of the fleet repository is polled'),
  FLEET_GIT_TIMEOUT_SECONDS: positiveInt
    .max(600)
    .default(30)
    .describe('Time limit of one request to the fleet repository (listing refs, fetch, push)'),
  FLEET_GIT_RETRIES: z.coerce
    .number()
    .int()
    .min(0)
    .max(10)
    .default(3)
    .describe('Retries (with backoff) of a fleet-repository request that failed or timed out'),
  FLEET_CLUSTER_PATH_TEMPLATE: z
    .string()
    .regex(/\{name\}/, 'must contain {name}')
    .default('clusters/{name}')
    .describe("Default path of a cluster's manifests in the fleet repository; {name} is the cluster name"),
  FLEET_TRUSTED_KEYS_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'File of armored OpenPGP public keys: turns the signed-commit policy on — a branch head not signed by one of them, or not descending from the commits already accepted (force-push), is rejected and reaches no cluster',
    ),
  FLEET_SIGNING_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'File of one unprotected armored OpenPGP private key that signs the revert commits of rollbacks (its key must be in FLEET_TRUSTED_KEYS_FILE); without it, with the policy on, a rollback pauses instead of pushing an unsigned commit',
    ),
  FLEET_WEBHOOK_SECRET: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe(
      secret(
        'Secret of the Git push webhook POST /v1/git/webhook: HMAC key for GitHub and Gitea, the X-Gitlab-Token for GitLab; unset disables the webhook',
      ),
    ),
  FLEET_HYDRATION: z
    .enum(['off', 'on'])
    .default('off')
    .describe(
      "on: the hub renders every cluster's path (kustomize and Helm charts) for each new head and commits the plain manifests to FLEET_RENDERED_BRANCH, which agents apply; off: agents render their path themselves and helmCharts is refused",
    ),
  FLEET_RENDERED_BRANCH: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9._/-]+$/, 'must be a branch name')
    .default('flotilla/rendered')
    .describe('Branch of the fleet repository the hub commits rendered manifests to (FLEET_HYDRATION=on)'),
  HELM_BINARY: z
    .string()
    .min(1)
    .default('.tools/bin/helm')
    .describe('The pinned helm binary (v4) the hub renders charts with (installed by scripts/setup-kubectl.mjs)'),
  HELM_TIMEOUT_SECONDS: positiveInt.default(60).describe('Time limit of one `helm template` (killed past it)'),
  HELM_MAX_OUTPUT_BYTES: positiveInt
    .default(16 * 1024 * 1024)
    .describe('Most bytes one `helm template` may print; more fails the render'),
  HELM_CHART_MAX_BYTES: positiveInt
    .default(10 * 1024 * 1024)
    .describe('Largest chart repository index.yaml or chart archive the hub downloads'),
  HELM_CONCURRENCY: positiveInt.default(2).describe('Most `helm template` processes at once'),
  ALERT_GROUP_WINDOW_MS: positiveInt
    .default(10_000)
    .describe('Drift / sync-failure alerts with the same cause within this window become one message'),
  ALERT_RETRY_BASE_MS: positiveInt
    .default(5_000)
    .describe('First retry delay of a failed alert delivery (doubles per attempt)'),
  ALERT_MAX_ATTEMPTS: positiveInt.default(8).describe('Delivery attempts before an alert is marked failed'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level'),
});

const REVOCATION_KEYS = ['NATS_OPERATOR_SEED', 'NATS_SYSTEM_USER_JWT', 'NATS_SYSTEM_USER_SEED'] as const;

export const ConfigSchema = Fields.superRefine((c, ctx) => {
  const set = REVOCATION_KEYS.filter((k) => c[k] !== undefined);
  if (set.length > 0 && set.length < REVOCATION_KEYS.length) {
    for (const k of REVOCATION_KEYS.filter((key) => c[key] === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [k],
        message: `must be set together with ${set.join(', ')} (credential revocation needs all three)`,
      });
    }
  }
});

/** Keys whose values must never be logged. */
export const SECRET_KEYS = [
  'NATS_HUB_JWT',
  'NATS_HUB_SEED',
  'NATS_ACCOUNT_SEED',
  'NATS_OPERATOR_SEED',
  'NATS_SYSTEM_USER_JWT',
  'NATS_SYSTEM_USER_SEED',
  'ADMIN_TOKEN',
  'DATABASE_URL',
  'FLOTILLA_SECRET_KEY',
  'FLEET_GIT_TOKEN',
  'FLEET_WEBHOOK_SECRET',
] as const;

export const ConfigShape = Fields.shape;

export type ControlPlaneConfig = z.infer<typeof ConfigSchema> & { AGENT_NATS_URL: string };
