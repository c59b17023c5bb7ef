/**
 * Fields a real API server (or a controller) fills in when the manifest leaves them empty: a
 * Service's cluster IPs and node ports, a PersistentVolumeClaim's bound volume. A manifest's
 * `clusterIP: ""` or `nodePort: 0` asks for an allocation, so whatever the server allocated is not
 * drift; a non-empty value in the manifest is still compared as usual.
 */
const ALLOCATED: Record<string, ReadonlySet<string>> = {
  Service: new Set(['spec.clusterIP', 'spec.clusterIPs', 'spec.ports.nodePort', 'spec.healthCheckNodePort']),
  PersistentVolumeClaim: new Set(['spec.volumeName']),
};

/** Whether the field at `names` (list positions left out) of a `kind` is allocated when left empty. */
export function allocatedWhenEmpty(kind: string, names: readonly string[]): boolean {
  return ALLOCATED[kind]?.has(names.join('.')) ?? false;
}
