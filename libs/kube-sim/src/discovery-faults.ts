// Discovery as it fails on real clusters, switchable per test:
// - an aggregated API group/version (an APIService such as metrics.k8s.io/v1beta1 whose backend
//   is down): /apis still names it, /apis/<group> answers, but /apis/<group>/<version> and every
//   request under it get the aggregator's 503 (`service unavailable`, text/plain);
// - a CRD served late: Established at once, yet its kinds are absent from discovery and their
//   paths answer 404 for `crdServeDelayMs` more, as while a real server's CRD handler and
//   discovery catch up with a new CRD.
import type { ServerResponse } from 'node:http';
import type { Api } from './api.js';
import { resourceListDoc } from './discovery.js';
import { errors } from './errors.js';

export interface DiscoveryFaultOptions {
  /** Aggregated group/versions ("metrics.k8s.io/v1beta1") whose discovery and requests answer 503. */
  unavailable?: string[];
  /** A new CRD's kinds are served this many ms after it is Established (default 0); a change applies to CRDs still waiting. */
  crdServeDelayMs?: number;
}

const GROUP_VERSION = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[a-z0-9]+$/;

/** Checks the options (names them when wrong) and returns them. */
export function discoveryFaultsCheck(opts: DiscoveryFaultOptions): DiscoveryFaultOptions {
  for (const gv of opts.unavailable ?? [])
    if (!GROUP_VERSION.test(gv))
      throw new RangeError(`an unavailable API must be named group/version (e.g. metrics.k8s.io/v1beta1), got "${gv}"`);
  const ms = opts.crdServeDelayMs;
  if (ms !== undefined && (!Number.isInteger(ms) || ms < 0 || ms > 600_000))
    throw new RangeError(`crdServeDelayMs must be a whole number of ms from 0 to 600000, got ${ms}`);
  return opts;
}

function splitGv(gv: string): [string, string] {
  const at = gv.indexOf('/');
  return [gv.slice(0, at), gv.slice(at + 1)];
}

export class DiscoveryFaults {
  private unavailable = new Set<string>();
  private crdServeDelayMs = 0;
  /** "group/version/plural" of new CRDs → when they were Established (ms since epoch). */
  private readonly late = new Map<string, number>();

  constructor(
    private readonly api: Api,
    opts: DiscoveryFaultOptions = {},
  ) {
    this.set(opts);
    api.hooks.push((t, stored, prev) => {
      if (!t.builtin || t.kind !== 'CustomResourceDefinition' || prev || this.crdServeDelayMs <= 0) return;
      const at = Date.now();
      for (const v of stored.spec?.versions ?? [])
        if (v.served !== false) this.late.set(`${stored.spec.group}/${v.name}/${stored.spec.names?.plural}`, at);
    });
  }

  set(opts: DiscoveryFaultOptions): void {
    discoveryFaultsCheck(opts);
    if (opts.unavailable) this.unavailable = new Set(opts.unavailable);
    if (opts.crdServeDelayMs !== undefined) this.crdServeDelayMs = opts.crdServeDelayMs;
  }

  private isLate(group: string, version: string, plural: string): boolean {
    const k = `${group}/${version}/${plural}`;
    const at = this.late.get(k);
    if (at === undefined) return false;
    if (Date.now() < at + this.crdServeDelayMs) return true;
    this.late.delete(k);
    return false;
  }

  /** Answers the request when a fault decides it (true), before normal routing. */
  intercept(
    path: string,
    res: ServerResponse,
    send: (res: ServerResponse, code: number, body: unknown) => void,
  ): boolean {
    if (this.unavailable.size === 0 && this.late.size === 0) return false;
    const segs = path.split('/').filter(Boolean);
    if (segs[0] !== 'apis' || segs.length < 2) return false;
    const group = segs[1]!;
    if (segs.length === 2) {
      const versions = [...this.unavailable].filter((gv) => splitGv(gv)[0] === group).map((gv) => splitGv(gv)[1]);
      if (versions.length === 0 || this.api.registry.groups().has(group)) return false;
      const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
      send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: vs, preferredVersion: vs[0] });
      return true;
    }
    const version = segs[2]!;
    if (this.unavailable.has(`${group}/${version}`)) {
      // The aggregator's proxy answers for a backend that is down, in plain text.
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('service unavailable\n');
      return true;
    }
    if (this.late.size === 0) return false;
    if (segs.length === 3) {
      const doc = resourceListDoc(this.api.registry, group, version) as { resources: Array<{ name: string }> };
      const served = doc.resources.filter((r) => !this.isLate(group, version, r.name.split('/')[0]!));
      if (served.length === doc.resources.length) return false;
      if (served.length === 0) throw errors.noRoute();
      send(res, 200, { ...doc, resources: served });
      return true;
    }
    const plural = segs[3] === 'namespaces' && segs.length >= 6 ? segs[5]! : segs[3]!;
    if (this.isLate(group, version, plural)) throw errors.noRoute();
    return false;
  }

  /** /apis as it looks with the faults: unavailable groups named, late ones not yet. */
  groupList(doc: Record<string, unknown>): Record<string, unknown> {
    if (this.unavailable.size === 0 && this.late.size === 0) return doc;
    type Gv = { groupVersion: string; version: string };
    type Group = { name: string; versions: Gv[]; preferredVersion?: Gv };
    const groups = new Map<string, Group>();
    for (const g of doc['groups'] as Group[]) {
      const versions = g.versions.filter((v) => {
        const names = this.api.registry.inGroupVersion(g.name, v.version).map((t) => t.plural);
        return names.some((p) => !this.isLate(g.name, v.version, p));
      });
      if (versions.length) groups.set(g.name, { name: g.name, versions, preferredVersion: versions[0] });
    }
    for (const gv of this.unavailable) {
      const [group, version] = splitGv(gv);
      const g = groups.get(group) ?? { name: group, versions: [] };
      if (!g.versions.some((v) => v.version === version)) g.versions.push({ groupVersion: gv, version });
      g.preferredVersion ??= g.versions[0];
      groups.set(group, g);
    }
    return { ...doc, groups: [...groups.values()] };
  }
}
