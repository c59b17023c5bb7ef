/**
 * The agent's configuration: command-line flags, each with a FLOTILLA_* environment fallback,
 * validated at once (zod) so a bad start lists every problem. The token is a secret.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ClusterName, describeZodError } from '@flotilla/protocol';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { AgentError, ErrorCode } from './errors.js';
import type { ConfiguredFacts } from './facts/facts-reader.js';

/** Every setting: flag name, environment variable, and what it is for. */
export const SETTINGS = {
  server: { env: 'FLOTILLA_SERVER', help: 'control plane base URL, e.g. http://hub:3000 (needed to register)' },
  token: { env: 'FLOTILLA_TOKEN', help: 'registration token (secret; used once, only when no credential is stored)' },
  'token-file': {
    env: 'FLOTILLA_TOKEN_FILE',
    help: 'file holding the registration token (instead of --token; read only when no credential is stored)',
  },
  name: { env: 'FLOTILLA_NAME', help: 'cluster name (DNS label)' },
  'state-dir': { env: 'FLOTILLA_STATE_DIR', help: 'where the credential is kept (default .flotilla/agents/<name>)' },
  'state-secret': {
    env: 'FLOTILLA_STATE_SECRET',
    help: 'keep the credential and desired state in this Secret (needs --kubeconfig) instead of files in --state-dir',
  },
  'state-namespace': {
    env: 'FLOTILLA_STATE_NAMESPACE',
    help: "the agent's own namespace: its --state-secret, leader Lease and inventory ConfigMaps (default flotilla-system; the chart and base set the pod's namespace)",
  },
  'leader-elect': {
    env: 'FLOTILLA_LEADER_ELECT',
    help: 'true: act only while holding a Lease in --state-namespace (needs --kubeconfig), so replicas stand by',
  },
  'lease-name': { env: 'FLOTILLA_LEASE_NAME', help: 'name of the leader-election Lease (default flotilla-agent)' },
  'heartbeat-interval': {
    env: 'FLOTILLA_HEARTBEAT_INTERVAL',
    help: 'seconds between heartbeats (default: what the hub says)',
  },
  'nats-url': { env: 'FLOTILLA_NATS_URL', help: 'override the NATS URL the hub hands out' },
  provider: {
    env: 'FLOTILLA_PROVIDER',
    help: "provider fact (default: the scheme of the Nodes' spec.providerID, e.g. aws)",
  },
  region: {
    env: 'FLOTILLA_REGION',
    help: "region fact (default: the Nodes' topology.kubernetes.io/region, else zone, label)",
  },
  'kube-version': {
    env: 'FLOTILLA_KUBE_VERSION',
    help: 'Kubernetes version fact (default: the oldest kubelet version of the Nodes)',
  },
  'node-count': { env: 'FLOTILLA_NODE_COUNT', help: 'node count fact (default: the Nodes the cluster lists)' },
  'log-level': { env: 'FLOTILLA_LOG_LEVEL', help: 'pino level: debug, info, warn, error (default info)' },
  kubeconfig: {
    env: 'FLOTILLA_KUBECONFIG',
    help: 'kubeconfig of the cluster to reconcile (without it the agent only heartbeats)',
  },
  'kube-context': {
    env: 'FLOTILLA_KUBE_CONTEXT',
    help: "kubeconfig context to use (default: the kubeconfig's current-context)",
  },
  'git-username': { env: 'FLOTILLA_GIT_USERNAME', help: 'Git username (basic auth, or the user name for --git-token)' },
  'git-password': { env: 'FLOTILLA_GIT_PASSWORD', help: 'Git password (secret)' },
  'git-token': { env: 'FLOTILLA_GIT_TOKEN', help: 'Git access token (secret)' },
  'resync-interval': { env: 'FLOTILLA_RESYNC_INTERVAL', help: 'seconds between periodic reconciles (default 300)' },
  'git-timeout': {
    env: 'FLOTILLA_GIT_TIMEOUT',
    help: 'seconds one request to the Git host may take before it is retried (default 60; a fetch is tried 3 times)',
  },
  'health-timeout': {
    env: 'FLOTILLA_HEALTH_TIMEOUT',
    help: 'seconds a reconcile waits for objects to become healthy (default 60)',
  },
  'trusted-keys': {
    env: 'FLOTILLA_TRUSTED_KEYS',
    help: 'file of armored OpenPGP public keys: apply only commits signed by one of them that descend from the running commit',
  },
} as const;
type SettingName = keyof typeof SETTINGS;

const positiveInt = z.coerce.number().int().positive();
const Schema = z.object({
  server: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  token: z.string().min(1).max(512).optional(),
  tokenFile: z.string().min(1).optional(),
  name: ClusterName,
  stateDir: z.string().min(1).optional(),
  stateSecret: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a Secret name (DNS subdomain)')
    .optional(),
  stateNamespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a namespace name (DNS label)')
    .default('flotilla-system'),
  leaderElect: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  leaseName: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a Lease name (DNS subdomain)')
    .default('flotilla-agent'),
  heartbeatIntervalSeconds: positiveInt.max(86_400).optional(),
  natsUrl: z
    .string()
    .regex(/^(nats|tls|wss?):\/\/\S+$/, 'must be a nats:// URL')
    .optional(),
  facts: z.object({
    provider: z.string().min(1).max(64).optional(),
    region: z.string().min(1).max(64).optional(),
    kubeVersion: z.string().min(1).max(64).optional(),
    nodeCount: z.coerce.number().int().min(0).max(1_000_000).optional(),
  }),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  kubeconfig: z.string().min(1).optional(),
  kubeContext: z.string().min(1).max(253).optional(),
  git: z.object({
    username: z.string().min(1).max(256).optional(),
    password: z.string().max(4096).optional(),
    token: z.string().max(4096).optional(),
  }),
  resyncSeconds: positiveInt.max(86_400).optional(),
  healthTimeoutSeconds: positiveInt.max(3_600).optional(),
  gitTimeoutSeconds: positiveInt.max(3_600).optional(),
  trustedKeysFile: z.string().min(1).optional(),
});

export interface AgentConfig {
  /** Control plane base URL; needed only to register. */
  server?: string;
  /** Registration token; needed only when no credential is stored. */
  token?: string;
  /**
   * File holding the registration token, read only when no credential is stored (a Secret mounted
   * `optional` may be deleted once the agent registered; the agent still restarts).
   */
  tokenFile?: string;
  name: string;
  /** Files: the Git cache, outbox and applied digests; the credential too unless `stateSecret` is set. */
  stateDir: string;
  /** Keep the credential, registration key and desired state in this Secret instead of stateDir. */
  stateSecret?: string;
  /** Namespace of `stateSecret` and of the leader-election Lease. */
  stateNamespace?: string;
  /** Act only while holding the Lease `leaseName` (leader/). */
  leaderElect?: boolean;
  leaseName?: string;
  /** Overrides the interval the hub hands out. */
  heartbeatIntervalSeconds?: number;
  natsUrl?: string;
  /** Facts given by flags; what they leave out is read from the cluster's Nodes (with --kubeconfig), else "unknown" / 0. */
  facts: ConfiguredFacts;
  logLevel: string;
  /** Reconnect and retry delays. */
  backoff?: BackoffOptions;
  /** The cluster to reconcile; without it the agent only heartbeats. */
  kubeconfig?: string;
  /** The kubeconfig context to use instead of its current-context. */
  kubeContext?: string;
  /** Git credentials (secrets: never logged). */
  git?: { username?: string; password?: string; token?: string };
  resyncSeconds?: number;
  healthTimeoutSeconds?: number;
  /** Time limit of one request to the Git host. */
  gitTimeoutSeconds?: number;
  /** Armored OpenPGP public keys; when set, only signed commits that descend from the running one are applied. */
  trustedKeysFile?: string;
}

export const HELP = [
  'Usage: flotilla-agent --server URL --token TOKEN --name NAME [options]',
  '',
  ...Object.entries(SETTINGS).map(([flag, s]) => `  --${flag.padEnd(20)} ${s.help} [$${s.env}]`),
].join('\n');

function raw(argv: string[], env: NodeJS.ProcessEnv): Partial<Record<SettingName, string>> & { help?: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(Object.keys(SETTINGS).map((k) => [k, { type: 'string' as const }])),
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new AgentError(`invalid arguments: ${(error as Error).message}`, ErrorCode.InvalidConfig);
  }
  const out: Partial<Record<SettingName, string>> & { help?: boolean } = { help: parsed.help === true };
  for (const [key, s] of Object.entries(SETTINGS) as [SettingName, { env: string }][]) {
    const value = (parsed[key] as string | undefined) ?? env[s.env];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

/**
 * The registration token: `--token`, else the contents of `--token-file`. Called only when no
 * credential is stored, so a token file deleted after the first registration does not matter.
 */
export function registrationToken(config: Pick<AgentConfig, 'token' | 'tokenFile'>): string | undefined {
  if (config.token || !config.tokenFile) return config.token;
  let text: string;
  try {
    text = readFileSync(config.tokenFile, 'utf8').trim();
  } catch (error) {
    throw new AgentError(
      `cannot read the token file ${config.tokenFile}: ${(error as Error).message}`,
      ErrorCode.NoCredential,
      { path: config.tokenFile },
    );
  }
  const parsed = Schema.shape.token.safeParse(text);
  if (!parsed.success || !text)
    throw new AgentError(
      `the token file ${config.tokenFile} holds ${text ? 'more than 512 characters' : 'nothing'}`,
      ErrorCode.InvalidConfig,
      { path: config.tokenFile },
    );
  return text;
}

/** A first look at the trusted keys file, so a wrong path stops the start before registering (source/commit-guard.ts parses it). */
function checkTrustedKeysFile(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AgentError(
      `cannot read the trusted keys file ${path}: ${(error as Error).message}`,
      ErrorCode.InvalidConfig,
      { path },
    );
  }
  if (!text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
    throw new AgentError(
      `the trusted keys file ${path} holds no armored OpenPGP public key block`,
      ErrorCode.InvalidConfig,
      { path },
    );
  }
}

/** Parses flags and environment. Returns undefined when help was asked for. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): AgentConfig | undefined {
  const r = raw(argv, env);
  if (r.help) return undefined;
  if (r.token && r['token-file'])
    throw new AgentError('give either --token or --token-file, not both', ErrorCode.InvalidConfig);
  const result = Schema.safeParse({
    server: r.server,
    token: r.token,
    tokenFile: r['token-file'],
    name: r.name,
    stateDir: r['state-dir'],
    stateSecret: r['state-secret'],
    stateNamespace: r['state-namespace'],
    leaderElect: r['leader-elect'],
    leaseName: r['lease-name'],
    heartbeatIntervalSeconds: r['heartbeat-interval'],
    natsUrl: r['nats-url'],
    facts: { provider: r.provider, region: r.region, kubeVersion: r['kube-version'], nodeCount: r['node-count'] },
    logLevel: r['log-level'],
    kubeconfig: r.kubeconfig,
    kubeContext: r['kube-context'],
    git: { username: r['git-username'], password: r['git-password'], token: r['git-token'] },
    resyncSeconds: r['resync-interval'],
    healthTimeoutSeconds: r['health-timeout'],
    gitTimeoutSeconds: r['git-timeout'],
    trustedKeysFile: r['trusted-keys'],
  });
  if (!result.success) {
    throw new AgentError(`invalid configuration: ${describeZodError(result.error)}`, ErrorCode.InvalidConfig, {
      fields: result.error.issues.map((i) => i.path.join('.')),
    });
  }
  const c = result.data;
  if (c.leaderElect === 'true' && !c.kubeconfig)
    throw new AgentError(
      '--leader-elect needs --kubeconfig (the cluster that holds the Lease)',
      ErrorCode.InvalidConfig,
      {
        fields: ['leaderElect'],
      },
    );
  if (c.stateSecret && !c.kubeconfig)
    throw new AgentError(
      '--state-secret needs --kubeconfig (the cluster that holds the Secret)',
      ErrorCode.InvalidConfig,
      {
        fields: ['stateSecret'],
      },
    );
  if (c.trustedKeysFile) checkTrustedKeysFile(resolve(c.trustedKeysFile));
  return {
    ...c,
    leaderElect: c.leaderElect === 'true',
    server: c.server?.replace(/\/+$/, ''),
    tokenFile: c.tokenFile ? resolve(c.tokenFile) : undefined,
    stateDir: resolve(c.stateDir ?? `.flotilla/agents/${c.name}`),
    kubeconfig: c.kubeconfig ? resolve(c.kubeconfig) : undefined,
    trustedKeysFile: c.trustedKeysFile ? resolve(c.trustedKeysFile) : undefined,
    backoff: DEFAULT_BACKOFF,
  };
}
