// Discovery documents (legacy, non-aggregated form): /version, /api, /api/v1, /apis and
// /apis/<group>/<version>. Clients fall back to these when aggregated discovery is absent.
import type { Registry } from './registry.js';
import { type ResourceType, VERBS } from './resources.js';

export function versionDoc(): Record<string, unknown> {
  return {
    major: '1',
    minor: '33',
    gitVersion: 'v1.33.0-kube-sim',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.24.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersionsDoc(): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
  };
}

function groupDoc(group: string, versions: string[]): Record<string, unknown> {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupListDoc(registry: Registry): Record<string, unknown> {
  const groups = [...registry.groups()].map(([g, vs]) => groupDoc(g, vs));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroupDoc(registry: Registry, group: string): Record<string, unknown> | undefined {
  const vs = registry.groups().get(group);
  return vs ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group, vs) } : undefined;
}

function resourceEntries(t: ResourceType): Record<string, unknown>[] {
  const main: Record<string, unknown> = {
    name: t.plural,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: VERBS,
  };
  if (t.shortNames.length) main.shortNames = t.shortNames;
  if (t.categories.length) main.categories = t.categories;
  main.storageVersionHash = Buffer.from(`${t.group}/${t.plural}`).toString('base64').slice(0, 11);
  const out = [main];
  if (t.status)
    out.push({
      name: `${t.plural}/status`,
      singularName: '',
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: ['get', 'patch', 'update'],
    });
  if (t.scale)
    out.push({
      name: `${t.plural}/scale`,
      singularName: '',
      namespaced: t.namespaced,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
  return out;
}

export function resourceListDoc(registry: Registry, group: string, version: string): Record<string, unknown> {
  const gv = group ? `${group}/${version}` : version;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv,
    resources: registry.inGroupVersion(group, version).flatMap(resourceEntries),
  };
}
