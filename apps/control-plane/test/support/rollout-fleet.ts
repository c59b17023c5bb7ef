/** A fleet for rollout tests: a git repo with fleet.yaml and one kustomize path per cluster, a control plane, and fake agents. */
import { runGit, startGitServer, type GitServer } from '@flotilla/testing';
import { eventually, registerAgent } from './agent.js';
import { FakeFleetAgent } from './fake-fleet-agent.js';
import { createRegistrationToken, startHarness, type Harness } from './harness.js';

export const deployment = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ${image}\n`;

export interface RolloutFleet {
  git: GitServer;
  /** The first commit, which every agent runs when the fleet is returned. */
  first: string;
  h: Harness;
  agents: Map<string, FakeFleetAgent>;
  bad: Set<string>;
  /** Revisions every fake agent reports Healthy before the controller observed the written generation. */
  judgedEarly: Set<string>;
  /** Set `down` to make every fake agent fail to reach Git (SOURCE_UNAVAILABLE) until it is cleared. */
  outage: { down: boolean };
  close(): Promise<void>;
}

export interface RolloutFleetOptions {
  fleetYaml: string;
  clusters: readonly (readonly [string, readonly string[]])[];
  delayMs?: number;
  env?: Record<string, string>;
  /** A cluster's own files (default: a kustomization onto bases/web). */
  clusterFiles?: (name: string) => Record<string, string>;
  /** Makes the first commit (default: an unsigned commit; e.g. a signed one). */
  commit?: (repoPath: string, opts: { files: Record<string, string>; message: string }) => Promise<string>;
}

const ontoBase = (name: string) => ({ [`clusters/${name}/kustomization.yaml`]: 'resources: [../../bases/web]\n' });

export async function startRolloutFleet(opts: RolloutFleetOptions): Promise<RolloutFleet> {
  const git = await startGitServer();
  await runGit(['config', 'http.receivepack', 'true'], { cwd: git.repoPath });
  const files: Record<string, string> = {
    'fleet.yaml': opts.fleetYaml,
    'bases/web/deploy.yaml': deployment('web:1.0'),
    'bases/web/kustomization.yaml': 'resources: [deploy.yaml]\n',
  };
  for (const [name] of opts.clusters) Object.assign(files, (opts.clusterFiles ?? ontoBase)(name));
  const first = opts.commit
    ? await opts.commit(git.repoPath, { files, message: 'fleet' })
    : await git.commit({ files, message: 'fleet' });
  const h = await startHarness({ FLEET_REPO_URL: git.url, FLEET_POLL_INTERVAL_SECONDS: '1', ...opts.env });
  await eventually(
    async () => (await h.gql('{ fleetRepo { headRevision } }')).data.fleetRepo.headRevision === first,
    8000,
    'first poll',
  );
  const agents = new Map<string, FakeFleetAgent>();
  const bad = new Set<string>();
  const judgedEarly = new Set<string>();
  const outage = { down: false };
  for (const [name, tags] of opts.clusters) {
    const { token } = await createRegistrationToken(h, { name: `t-${name}`, tags: [...tags] });
    const a = new FakeFleetAgent(await registerAgent(h, token, name), name, {
      delayMs: opts.delayMs ?? 100,
      bad,
      judgedEarly,
      outage,
    });
    await a.agent.heartbeat();
    a.start();
    agents.set(name, a);
  }
  await eventually(
    async () => [...agents.values()].every((a) => a.received.at(-1) === first),
    8000,
    'agents on the first commit',
  );
  return {
    git,
    first,
    h,
    agents,
    bad,
    judgedEarly,
    outage,
    async close() {
      for (const a of agents.values()) await a.stop();
      await h.close();
      await git.close();
    },
  };
}

export const ROLLOUT_QUERY = `query($id: ID!) { rollout(id: $id) { id revision phase reason actor trigger waves { name phase startedAt healthyAt finishedAt clusters { clusterName phase pinnedAt } } } }`;
export const ROLLOUTS_QUERY = `query($rev: String) { rollouts(filter: { revision: $rev }) { edges { node { id phase trigger } } } }`;

export async function rolloutAudit(
  h: Harness,
  id: string,
): Promise<{ action: string; actorName: string; details: Record<string, unknown> }[]> {
  const r = await h.gql(`{ auditLog(first: 200) { edges { node { action targetId actorName details } } } }`);
  return (
    r.data.auditLog.edges as {
      node: { action: string; targetId: string; actorName: string; details: Record<string, unknown> };
    }[]
  )
    .map((e) => e.node)
    .filter((n) => n.targetId === id)
    .reverse();
}
