// Server-side printing: the meta.k8s.io/v1 Table that kubectl asks for (Accept: as=Table),
// with the columns a real server prints for the common kinds and NAME/AGE otherwise.
import type { ResourceType } from './resources.js';

type Column = [name: string, type: string, cell: (o: any) => unknown];

export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  return y < 8 ? `${y}y${d % 365}d` : `${y}y`;
}

const age: Column = ['Age', 'string', (o) => humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp))];
const count = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).length : 0);
const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const cond = (o: any, type: string) => o.status?.conditions?.find((c: any) => c.type === type && c.status === 'True');

const COLUMNS: Record<string, Column[]> = {
  Namespace: [['Status', 'string', (o) => o.status?.phase ?? 'Active'], age],
  ConfigMap: [['Data', 'integer', (o) => count(o.data) + count(o.binaryData)], age],
  Secret: [['Type', 'string', (o) => o.type ?? 'Opaque'], ['Data', 'integer', (o) => count(o.data)], age],
  Deployment: [
    ['Ready', 'string', (o) => `${num(o.status?.readyReplicas)}/${o.spec?.replicas ?? 1}`],
    ['Up-to-date', 'integer', (o) => num(o.status?.updatedReplicas)],
    ['Available', 'integer', (o) => num(o.status?.availableReplicas)],
    age,
  ],
  StatefulSet: [['Ready', 'string', (o) => `${num(o.status?.readyReplicas)}/${o.spec?.replicas ?? 1}`], age],
  ReplicaSet: [
    ['Desired', 'integer', (o) => o.spec?.replicas ?? 1],
    ['Current', 'integer', (o) => num(o.status?.replicas)],
    ['Ready', 'integer', (o) => num(o.status?.readyReplicas)],
    age,
  ],
  DaemonSet: [
    ['Desired', 'integer', (o) => num(o.status?.desiredNumberScheduled)],
    ['Current', 'integer', (o) => num(o.status?.currentNumberScheduled)],
    ['Ready', 'integer', (o) => num(o.status?.numberReady)],
    ['Up-to-date', 'integer', (o) => num(o.status?.updatedNumberScheduled)],
    ['Available', 'integer', (o) => num(o.status?.numberAvailable)],
    age,
  ],
  Job: [
    ['Status', 'string', (o) => (cond(o, 'Complete') ? 'Complete' : cond(o, 'Failed') ? 'Failed' : 'Running')],
    ['Completions', 'string', (o) => `${num(o.status?.succeeded)}/${o.spec?.completions ?? 1}`],
    age,
  ],
  Service: [
    ['Type', 'string', (o) => o.spec?.type ?? 'ClusterIP'],
    ['Cluster-IP', 'string', (o) => o.spec?.clusterIP ?? '<none>'],
    [
      'Ports',
      'string',
      (o) => (o.spec?.ports ?? []).map((p: any) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>',
    ],
    age,
  ],
  CustomResourceDefinition: [['Created At', 'date', (o) => o.metadata.creationTimestamp]],
  Node: [
    ['Status', 'string', (o) => (cond(o, 'Ready') ? 'Ready' : 'NotReady')],
    ['Roles', 'string', () => '<none>'],
    age,
    ['Version', 'string', (o) => o.status?.nodeInfo?.kubeletVersion ?? ''],
  ],
  Pod: [
    [
      'Ready',
      'string',
      (o) =>
        `${(o.status?.containerStatuses ?? []).filter((c: any) => c.ready).length}/${(o.spec?.containers ?? []).length}`,
    ],
    [
      'Status',
      'string',
      (o) =>
        o.status?.containerStatuses?.find((c: any) => c.state?.waiting)?.state.waiting.reason ??
        o.status?.phase ??
        'Pending',
    ],
    ['Restarts', 'integer', () => 0],
    age,
  ],
};

/** Evaluates the simple JSONPath of a printer column (".spec.size", ".status.items[0].name"). */
function jsonPathValue(o: any, path: string): unknown {
  const segs = path
    .replace(/^\{?\.?/, '')
    .replace(/\}$/, '')
    .split(/\.|\[(\d+)\]/)
    .filter((x) => x !== undefined && x !== '');
  let cur = o;
  for (const s of segs) cur = cur == null ? undefined : cur[/^\d+$/.test(s) ? Number(s) : s];
  if (cur == null) return '';
  return typeof cur === 'object' ? JSON.stringify(cur) : cur;
}

function columnsOf(t: ResourceType): Column[] {
  const name: Column = ['Name', 'string', (o) => o.metadata.name];
  if (t.builtin) return [name, ...(COLUMNS[t.kind] ?? [age])];
  const custom: Column[] = (t.printerColumns ?? []).map((c) => [c.name, c.type, (o) => jsonPathValue(o, c.jsonPath)]);
  return [name, ...custom, age];
}

function row(cols: Column[], o: any, full: boolean): Record<string, unknown> {
  const object = full ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
  return { cells: cols.map((c) => c[2](o)), object };
}

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** A Table of objects; `full` puts whole objects in rows (includeObject=Object). */
export function toTable(
  t: ResourceType,
  objs: any[],
  meta: Record<string, unknown>,
  full: boolean,
): Record<string, unknown> {
  const cols = columnsOf(t);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: cols.map(([name, type], i) => ({
      name,
      type,
      format: i === 0 ? 'name' : '',
      description: '',
      priority: 0,
    })),
    rows: objs.map((o) => row(cols, o, full)),
  };
}
