/**
 * facts/: what the agent tells the hub about its cluster (node count, Kubernetes version,
 * provider, region) when no flag says it, read from the cluster's Nodes. This file is the pure
 * mapping from Node objects to facts; cluster-facts.ts reads the Nodes.
 */

/** The parts of a Node the facts come from. */
export interface NodeLike {
  metadata?: { labels?: Record<string, string> };
  spec?: { providerID?: string };
  status?: { nodeInfo?: { kubeletVersion?: string } };
}

export interface DiscoveredFacts {
  nodeCount: number;
  provider?: string;
  region?: string;
  kubeVersion?: string;
}

/** Well-known node labels, newest first (the failure-domain.beta ones are deprecated but still set by older clouds). */
export const REGION_LABELS = ['topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'] as const;
export const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'] as const;

const FACT_MAX = 64;
const PROVIDER_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * The provider from a `spec.providerID` (`aws:///eu-west-1a/i-0abc`, `gce://project/zone/name`,
 * `azure:///subscriptions/…`, `kind://docker/kind/kind-control-plane`): its scheme, lower-cased.
 */
export function providerOf(providerID: string | undefined): string | undefined {
  const scheme = providerID ? PROVIDER_SCHEME.exec(providerID)?.[1] : undefined;
  return scheme && scheme.length <= FACT_MAX ? scheme.toLowerCase() : undefined;
}

function firstLabel(labels: Record<string, string> | undefined, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = labels?.[key]?.trim();
    if (value) return value.slice(0, FACT_MAX);
  }
  return undefined;
}

/** The node's region label; a node labelled only with a zone reports the zone. */
export function regionOf(labels: Record<string, string> | undefined): string | undefined {
  return firstLabel(labels, REGION_LABELS) ?? firstLabel(labels, ZONE_LABELS);
}

/** The value most nodes share (ties: the first seen), so one odd node does not decide. */
function mostCommon(values: (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  for (const [v, n] of counts) if (best === undefined || n > counts.get(best)!) best = v;
  return best;
}

function parseVersion(v: string): number[] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** The oldest kubelet version: during an upgrade the cluster is only as new as its oldest node. */
export function oldestVersion(versions: (string | undefined)[]): string | undefined {
  let oldest: { text: string; parts: number[] } | undefined;
  for (const text of versions) {
    const parts = text ? parseVersion(text) : undefined;
    if (!text || !parts) continue;
    if (!oldest || compareVersions(parts, oldest.parts) < 0) oldest = { text: text.slice(0, FACT_MAX), parts };
  }
  return oldest?.text;
}

export function factsFromNodes(nodes: readonly NodeLike[]): DiscoveredFacts {
  const provider = mostCommon(nodes.map((n) => providerOf(n.spec?.providerID)));
  const region = mostCommon(nodes.map((n) => regionOf(n.metadata?.labels)));
  const kubeVersion = oldestVersion(nodes.map((n) => n.status?.nodeInfo?.kubeletVersion));
  return {
    nodeCount: nodes.length,
    ...(provider ? { provider } : {}),
    ...(region ? { region } : {}),
    ...(kubeVersion ? { kubeVersion } : {}),
  };
}
