/**
 * The pod-level rules of Pod Security "restricted" (v1.25+) and what OpenShift's "restricted-v2"
 * SCC adds (no fixed UID, GID or fsGroup outside the namespace's range: set none). Returns every
 * violation, naming the field, so a test shows all of them at once.
 */
export function restrictedViolations(pod: any): string[] {
  const out: string[] = [];
  const psc = pod.securityContext ?? {};
  for (const f of ['runAsUser', 'runAsGroup', 'fsGroup', 'supplementalGroups'])
    if (psc[f] !== undefined) out.push(`spec.securityContext.${f} is fixed (restricted-v2 assigns it)`);
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) out.push('host namespaces are used');
  for (const v of pod.volumes ?? []) if (v.hostPath) out.push(`volume ${v.name} is a hostPath`);
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if (sc.runAsUser !== undefined || sc.runAsGroup !== undefined) out.push(`${at}: fixed runAsUser/runAsGroup`);
    if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) out.push(`${at}: runAsNonRoot is not true`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${at}: allowPrivilegeEscalation is not false`);
    if (sc.privileged) out.push(`${at}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${at}: capabilities do not drop ALL`);
    if ((sc.capabilities?.add ?? []).some((a: string) => a !== 'NET_BIND_SERVICE'))
      out.push(`${at}: adds capabilities`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      out.push(`${at}: seccompProfile is not RuntimeDefault`);
    if (sc.readOnlyRootFilesystem !== true) out.push(`${at}: readOnlyRootFilesystem is not true`);
  }
  return out;
}
