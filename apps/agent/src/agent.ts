/**
 * The agent, importable: `startAgent(config)` registers once (or loads the stored credential),
 * connects to NATS as the cluster's own user and heartbeats until `stop()`.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ClusterFacts } from '@flotilla/protocol';
import { DEFAULT_BACKOFF } from './backoff.js';
import { registrationToken, type AgentConfig } from './config.js';
import { AgentError, ErrorCode } from './errors.js';
import { FactsReader, mergeFacts } from './facts/facts-reader.js';
import { Heartbeater } from './heartbeat/heartbeater.js';
import { KubeClient } from './kube/kube-client.js';
import { loadKubeconfig } from './kube/kubeconfig.js';
import { createLogger } from './logger.js';
import type { StoredCredential } from './registration/credential.js';
import { CredentialStore } from './registration/credential-store.js';
import { CredentialRenewer } from './registration/renewer.js';
import { Registrar } from './registration/registrar.js';
import { RegistrationKeyStore } from './registration/registration-key-store.js';
import { LeaderElector } from './leader/leader-elector.js';
import { DirStateStore } from './state/dir-state-store.js';
import { SecretStateStore } from './state/secret-state-store.js';
import type { StateStore } from './state/state-store.js';
import { NatsTransport } from './transport/nats-transport.js';
import { startReconciling, type ReconcileRuntime } from './reconcile/runtime.js';
import { AGENT_VERSION } from './version.js';

export interface RunningAgent {
  clusterId: string;
  /** The reconcile machinery, when a kubeconfig was given. */
  reconcile?: ReconcileRuntime;
  /** True when this start registered with the token; false when it reused the stored credential. */
  registered: boolean;
  /** With leader election: resolves (with the reason) when the lease is lost; the agent must then stop. */
  leadershipLost?: Promise<string>;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Aborts a registration that is still retrying (e.g. on SIGTERM). */
  signal?: AbortSignal;
}

/** Facts from flags; with a kubeconfig, what the flags leave out is read from the cluster's Nodes. */
async function startFactsReader(config: AgentConfig, logger: Logger): Promise<FactsReader | undefined> {
  const f = config.facts;
  const complete = f.provider && f.region && f.kubeVersion && f.nodeCount !== undefined;
  if (!config.kubeconfig || complete) return undefined;
  const client = new KubeClient(loadKubeconfig(config.kubeconfig, { context: config.kubeContext }));
  const reader = new FactsReader({ client, configured: f, logger: logger.child({ stage: 'facts' }) });
  await reader.refresh();
  reader.start();
  return reader;
}

function closeFactsReader(reader: FactsReader | undefined): Promise<void> {
  return reader ? reader.stop().then(() => reader.client.close()) : Promise.resolve();
}

/** Where the credential and desired state are kept: the state Secret, else files in the state dir. */
function openStateStore(config: AgentConfig): { state: StateStore; close(): void } {
  if (!config.stateSecret || !config.kubeconfig) return { state: new DirStateStore(config.stateDir), close: () => {} };
  const client = new KubeClient(loadKubeconfig(config.kubeconfig, { context: config.kubeContext }));
  return {
    state: new SecretStateStore(client, config.stateNamespace ?? 'flotilla-system', config.stateSecret),
    close: () => client.close(),
  };
}

/** With --leader-elect: waits until this replica holds the Lease; the others stand by here. */
async function leadFirst(config: AgentConfig, logger: Logger, signal: AbortSignal): Promise<LeaderElector | undefined> {
  if (!config.leaderElect || !config.kubeconfig) return undefined;
  const client = new KubeClient(loadKubeconfig(config.kubeconfig, { context: config.kubeContext }));
  const elector = new LeaderElector({
    client,
    namespace: config.stateNamespace ?? 'flotilla-system',
    name: config.leaseName ?? 'flotilla-agent',
    identity: `${hostname()}_${randomUUID().slice(0, 8)}`,
    logger: logger.child({ stage: 'leader' }),
  });
  const closeClient = () => client.close();
  try {
    await elector.acquire(signal);
  } catch (error) {
    client.close();
    if (signal.aborted) throw new AgentError('stopped while standing by for the lease', ErrorCode.Aborted);
    throw error;
  }
  const stop = elector.stop.bind(elector);
  elector.stop = () => stop().finally(closeClient);
  return elector;
}

async function credentialFor(
  config: AgentConfig,
  state: StateStore,
  facts: () => ClusterFacts,
  logger: Logger,
  signal: AbortSignal,
): Promise<{ credential: StoredCredential; registered: boolean }> {
  const store = new CredentialStore(state);
  const stored = await store.load();
  if (stored) {
    if (stored.name !== config.name)
      logger.warn({ storedName: stored.name }, 'registration: the stored credential belongs to another name; using it');
    if (await store.isExposed())
      logger.warn({ path: store.path }, 'registration: the credential file is readable by others; chmod 600 it');
    logger.info({ clusterId: stored.clusterId, path: store.path }, 'registration: using the stored credential');
    return { credential: stored, registered: false };
  }
  const token = registrationToken(config);
  if (!token || !config.server) {
    throw new AgentError(
      `no credential in ${store.path} and no ${config.server ? '--token' : '--server'} to register with`,
      ErrorCode.NoCredential,
      { stateDir: config.stateDir },
    );
  }
  // The key is on disk before the hub hears of it, so a registration whose answer is lost can be retried.
  const keys = new RegistrationKeyStore(state);
  const { key, reused } = await keys.loadOrCreate();
  if (reused) logger.info({ path: keys.path }, 'registration: retrying with the key of an unfinished registration');
  const registrar = new Registrar({
    server: config.server,
    token,
    name: config.name,
    facts: facts(),
    logger,
    backoff: config.backoff ?? DEFAULT_BACKOFF,
    key,
  });
  const credential = await registrar.register(signal);
  await store.save(credential);
  await keys.discard();
  logger.info({ clusterId: credential.clusterId, path: store.path }, 'registration: registered; credential stored');
  return { credential, registered: true };
}

export async function startAgent(config: AgentConfig, opts: StartOptions = {}): Promise<RunningAgent> {
  const root = opts.logger ?? createLogger({ level: config.logLevel });
  const logger = root.child({ cluster: config.name });
  const factsReader = await startFactsReader(config, logger);
  const facts = (): ClusterFacts => ({
    ...(factsReader?.current() ?? mergeFacts(config.facts, undefined)),
    agentVersion: AGENT_VERSION,
  });
  const signal = opts.signal ?? new AbortController().signal;
  let elector: LeaderElector | undefined;
  try {
    elector = await leadFirst(config, logger, signal);
  } catch (error) {
    await closeFactsReader(factsReader);
    throw error;
  }
  const stateStore = openStateStore(config);
  const { state } = stateStore;
  let credentialFound;
  try {
    credentialFound = await credentialFor(config, state, facts, logger, signal);
  } catch (error) {
    stateStore.close();
    await elector?.stop();
    await closeFactsReader(factsReader);
    throw error;
  }
  const { credential, registered } = credentialFound;
  const clusterLog = logger.child({ clusterId: credential.clusterId });
  const backoff = config.backoff ?? DEFAULT_BACKOFF;

  // The NATS JWT is short-lived: renewed at the control plane the agent registered with.
  const server = credential.server ?? config.server;
  const renewer = server
    ? new CredentialRenewer({
        server,
        store: new CredentialStore(state),
        credential,
        logger: clusterLog.child({ stage: 'credential' }),
        backoff,
        onRenewed: () => void transport.refreshCredentials(),
      })
    : undefined;
  if (!renewer)
    clusterLog.warn('credential: no --server known, so the NATS credential cannot be renewed before it expires');

  const transport = new NatsTransport({
    url: config.natsUrl ?? credential.nats.url,
    jwt: () => renewer?.jwt ?? credential.nats.jwt,
    seed: credential.nats.seed,
    inboxPrefix: credential.nats.inboxPrefix,
    name: `flotilla-agent ${config.name}`,
    logger: clusterLog.child({ stage: 'transport' }),
    backoff,
    onAuthRefused: () => renewer?.renewSoon(),
  });
  renewer?.start();
  transport.start();

  const intervalSeconds = config.heartbeatIntervalSeconds ?? credential.heartbeatIntervalSeconds;
  const heartbeater = new Heartbeater({
    clusterId: credential.clusterId,
    facts,
    publisher: transport,
    intervalMs: intervalSeconds * 1000,
    logger: clusterLog.child({ stage: 'heartbeat' }),
  });
  heartbeater.start();
  const reconcile = config.kubeconfig
    ? await startReconciling({
        clusterId: credential.clusterId,
        stateDir: config.stateDir,
        namespace: config.stateNamespace,
        state,
        kubeconfig: config.kubeconfig,
        kubeContext: config.kubeContext,
        git: config.git,
        resyncSeconds: config.resyncSeconds,
        healthTimeoutSeconds: config.healthTimeoutSeconds,
        gitTimeoutSeconds: config.gitTimeoutSeconds,
        trustedKeysFile: config.trustedKeysFile,
        transport,
        logger: clusterLog,
      })
    : undefined;
  clusterLog.info({ heartbeatIntervalSeconds: intervalSeconds, agentVersion: AGENT_VERSION }, 'agent: started');

  let stopping: Promise<void> | undefined;
  return {
    clusterId: credential.clusterId,
    registered,
    reconcile,
    leadershipLost: elector?.lost,
    stop: () =>
      (stopping ??= (async () => {
        await reconcile?.stop();
        const lastBeat = heartbeater.stop();
        await renewer?.stop();
        await transport.stop();
        await lastBeat;
        await closeFactsReader(factsReader);
        stateStore.close();
        await elector?.stop();
        clusterLog.info('agent: stopped');
      })()),
  };
}
