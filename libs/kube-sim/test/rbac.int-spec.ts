/**
 * kube-sim enforces RBAC for ServiceAccount tokens as a real API server does: rules of bound
 * Roles/ClusterRoles by verb, group, resource, name and namespace; and the escalation checks —
 * a Role may grant only what its writer holds (or the writer may `escalate`), a binding may
 * reference only a role whose permissions the writer holds (or it may `bind` that role).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAccountIdentity, startKubeSim, type KubeSim } from '../src/index.js';

const RBAC = 'rbac.authorization.k8s.io';
const tokens = { seven: 'tok-seven', admin: 'tok-admin', tenant: 'tok-tenant', escalator: 'tok-escalator' };
const SA = (name: string) => serviceAccountIdentity('flotilla-system', name);

describe('kube-sim RBAC', () => {
  let sim: KubeSim;

  const call = async (token: string | undefined, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const admin = (method: string, path: string, body?: unknown) => call(undefined, method, path, body);
  const clusterRole = (name: string, rules: unknown[]) =>
    admin('POST', `/apis/${RBAC}/v1/clusterroles`, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name },
      rules,
    });
  const bindCluster = (name: string, role: string, sa: string) =>
    admin('POST', `/apis/${RBAC}/v1/clusterrolebindings`, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: 'flotilla-system' }],
    });
  const role = (ns: string, name: string, verbs: string[]) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { name, namespace: ns },
    rules: [{ apiGroups: ['*'], resources: ['*'], verbs }],
  });
  const binding = (ns: string, name: string, roleName: string) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace: ns },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName },
    subjects: [{ kind: 'Group', name: 'team-a' }],
  });
  const cm = (ns: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } });

  beforeAll(async () => {
    sim = await startKubeSim({
      name: 'rbac',
      simulate: false,
      rbac: {
        identities: {
          [tokens.seven]: SA('seven'),
          [tokens.admin]: SA('admin'),
          [tokens.tenant]: SA('tenant'),
          [tokens.escalator]: SA('escalator'),
        },
      },
    });
    for (const ns of ['team-a', 'team-b', 'flotilla-system'])
      await admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // The built-in roles a binding may name.
    await clusterRole('admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    await clusterRole('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]);
    // seven: the old infra/agent grant (seven verbs on everything).
    await clusterRole('seven', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    ]);
    await bindCluster('seven', 'seven', 'seven');
    // admin: the chart's default, "*" on "*".
    await bindCluster('admin', 'cluster-admin', 'admin');
    // tenant: "*" in team-a only (a RoleBinding to a Role there).
    await admin('POST', `/apis/${RBAC}/v1/namespaces/team-a/roles`, role('team-a', 'tenant', ['*']));
    await admin('POST', `/apis/${RBAC}/v1/namespaces/team-a/rolebindings`, {
      ...binding('team-a', 'tenant', 'x'),
      roleRef: { apiGroup: RBAC, kind: 'Role', name: 'tenant' },
      subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: 'flotilla-system' }],
    });
    // escalator: may create roles and bindings, with escalate on roles and bind on the ClusterRole admin only.
    await clusterRole('escalator', [
      { apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: ['create', 'escalate'] },
      { apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['admin'] },
    ]);
    await bindCluster('escalator', 'escalator', 'escalator');
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('authorizes by verb, resource and namespace, with the real denial message', async () => {
    expect((await call(tokens.tenant, 'POST', '/api/v1/namespaces/team-a/configmaps', cm('team-a', 'a'))).status).toBe(
      201,
    );
    const denied = await call(tokens.tenant, 'POST', '/api/v1/namespaces/team-b/configmaps', cm('team-b', 'b'));
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe(
      'configmaps is forbidden: User "system:serviceaccount:flotilla-system:tenant" cannot create resource "configmaps" in API group "" in the namespace "team-b"',
    );
    expect((await call(tokens.tenant, 'GET', '/api/v1/configmaps')).status).toBe(403);
    expect((await call(tokens.tenant, 'GET', '/api/v1/namespaces/team-a/configmaps?watch=false')).status).toBe(200);
    // Discovery is open to every authenticated user, as the default bindings make it.
    expect((await call(tokens.tenant, 'GET', '/apis')).status).toBe(200);
    expect((await call(tokens.seven, 'DELETE', '/api/v1/namespaces/team-a/configmaps')).status).toBe(403); // deletecollection
    expect((await call('not-a-known-token', 'GET', '/api/v1/namespaces')).status).toBe(200); // others: superusers
  });

  it('refuses a Role granting verbs its writer lacks, and a binding to admin, to the seven-verb grant', async () => {
    const r = await call(
      tokens.seven,
      'POST',
      `/apis/${RBAC}/v1/namespaces/team-a/roles`,
      role('team-a', 'deployer', ['*']),
    );
    expect(r.status).toBe(403);
    expect(r.body.message).toContain('is attempting to grant RBAC permissions not currently held');
    const fine = await call(
      tokens.seven,
      'POST',
      `/apis/${RBAC}/v1/namespaces/team-a/roles`,
      role('team-a', 'reader', ['get', 'list']),
    );
    expect(fine.status).toBe(201);
    const b = await call(
      tokens.seven,
      'POST',
      `/apis/${RBAC}/v1/namespaces/team-a/rolebindings`,
      binding('team-a', 'admins', 'admin'),
    );
    expect(b.status).toBe(403);
    // Server-side apply gets the same check, on the object it would store.
    const applied = await fetch(`${sim.url}/apis/${RBAC}/v1/namespaces/team-a/roles/deployer?fieldManager=x`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${tokens.seven}`, 'content-type': 'application/apply-patch+yaml' },
      body: JSON.stringify(role('team-a', 'deployer', ['*'])),
    });
    expect(applied.status).toBe(403);
    expect((await admin('GET', `/apis/${RBAC}/v1/namespaces/team-a/roles/deployer`)).status).toBe(404);
  });

  it('lets "*" on "*" grant anything: a Role with "*", a binding to admin', async () => {
    expect(
      (await call(tokens.admin, 'POST', `/apis/${RBAC}/v1/namespaces/team-a/roles`, role('team-a', 'deployer', ['*'])))
        .status,
    ).toBe(201);
    expect(
      (
        await call(
          tokens.admin,
          'POST',
          `/apis/${RBAC}/v1/namespaces/team-a/rolebindings`,
          binding('team-a', 'admins', 'admin'),
        )
      ).status,
    ).toBe(201);
  });

  it('lets a namespace owner grant within its namespace only', async () => {
    expect(
      (await call(tokens.tenant, 'POST', `/apis/${RBAC}/v1/namespaces/team-a/roles`, role('team-a', 'sub', ['*'])))
        .status,
    ).toBe(201);
    expect(
      (await call(tokens.tenant, 'POST', `/apis/${RBAC}/v1/namespaces/team-b/roles`, role('team-b', 'sub', ['get'])))
        .status,
    ).toBe(403);
  });

  it('honours escalate and bind (bind only on the named role)', async () => {
    expect(
      (await call(tokens.escalator, 'POST', `/apis/${RBAC}/v1/namespaces/team-b/roles`, role('team-b', 'all', ['*'])))
        .status,
    ).toBe(201);
    expect(
      (
        await call(
          tokens.escalator,
          'POST',
          `/apis/${RBAC}/v1/namespaces/team-b/rolebindings`,
          binding('team-b', 'a', 'admin'),
        )
      ).status,
    ).toBe(201);
    const other = await call(
      tokens.escalator,
      'POST',
      `/apis/${RBAC}/v1/namespaces/team-b/rolebindings`,
      binding('team-b', 'c', 'cluster-admin'),
    );
    expect(other.status).toBe(403);
    expect(other.body.message).toContain('not currently held');
  });
});
