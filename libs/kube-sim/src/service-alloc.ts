// What a real server keeps of a Service's allocated values on update: an update that leaves
// `clusterIP`, `clusterIPs`, `ipFamilies`, `ipFamilyPolicy` or a port's `nodePort` unset (or
// empty, which storage leaves out) gets the old values back, as the Service registry's
// patchAllocatedValues does — a manifest with `clusterIP: ""` re-applied is a no-op, not a change.
type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ALLOCATED = ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy'] as const;

function keepNodePorts(prevPorts: unknown, ports: unknown): unknown {
  if (!Array.isArray(prevPorts) || !Array.isArray(ports)) return ports;
  let out: unknown[] | undefined;
  ports.forEach((p, i) => {
    if (!isObj(p) || p.nodePort !== undefined) return;
    const old = prevPorts.find((o) => isObj(o) && o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
    if (isObj(old) && old.nodePort !== undefined) (out ??= [...ports])[i] = { ...p, nodePort: old.nodePort };
  });
  return out ?? ports;
}

/** `next` with the allocated values of `prev` it left unset (the same object when none). */
export function keepAllocated(kind: string, builtin: boolean, prev: Obj | undefined, next: Obj): Obj {
  if (!builtin || kind !== 'Service' || !prev || !isObj(prev.spec) || !isObj(next.spec)) return next;
  const old = prev.spec;
  const spec: Obj = { ...next.spec };
  if ((spec.type ?? 'ClusterIP') === 'ExternalName') return next;
  let changed = false;
  for (const k of ALLOCATED)
    if (spec[k] === undefined && old[k] !== undefined) {
      spec[k] = old[k];
      changed = true;
    }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    const ports = keepNodePorts(old.ports, spec.ports);
    if (ports !== spec.ports) {
      spec.ports = ports;
      changed = true;
    }
  }
  return changed ? { ...next, spec: inOrderOf(old, spec) } : next;
}

/** `o`'s keys in `ref`'s order first (a restored value goes back where it was: the no-op check compares JSON). */
function inOrderOf(ref: Obj, o: Obj): Obj {
  const out: Obj = {};
  for (const k of Object.keys(ref)) if (k in o) out[k] = o[k];
  for (const k of Object.keys(o)) if (!(k in out)) out[k] = o[k];
  return out;
}
