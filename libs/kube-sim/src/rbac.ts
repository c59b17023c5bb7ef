// RBAC as a real API server enforces it, for the identities that need it (`rbac.identities`:
// bearer token → user and groups, e.g. a ServiceAccount's token). Other callers stay superusers.
// A request is allowed when a rule of a Role/ClusterRole bound to the user (or one of its
// groups, or its ServiceAccount) matches its verb, API group, resource[/subresource], name and
// namespace (non-resource URLs: path, with a trailing `*` as prefix). Writes of Roles and
// ClusterRoles must not grant more than the writer holds unless it may `escalate`; writes of
// bindings must not reference a role granting more unless it may `bind` that role — the checks
// of the rbac registry's policy-based storage (plugin/pkg/registry/rbac), with the same messages.
import { KubeError } from './errors.js';
import type { Store } from './store.js';

export interface Identity {
  user: string;
  groups: string[];
}

export interface RbacOptions {
  /** Bearer token → identity whose requests are authorized. */
  identities: Record<string, { user: string; groups?: string[] }>;
}

export interface Attributes {
  verb: string;
  /** Resource requests: group, resource, subresource, namespace ('' when cluster-wide), name. */
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Non-resource requests: the path. */
  path?: string;
}

interface Rule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

const GROUP = 'rbac.authorization.k8s.io';

/**
 * What every authenticated user holds on a real cluster through its default bindings
 * (system:discovery, system:public-info-viewer, system:basic-user to system:authenticated).
 */
const AUTHENTICATED_RULES: Rule[] = [
  {
    verbs: ['get'],
    nonResourceURLs: [
      '/api',
      '/api/*',
      '/apis',
      '/apis/*',
      '/healthz',
      '/livez',
      '/readyz',
      '/openapi',
      '/openapi/*',
      '/version',
      '/version/',
    ],
  },
  {
    verbs: ['create'],
    apiGroups: ['authorization.k8s.io'],
    resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
  },
];
const key = (plural: string) => `${plural}.${GROUP}`;

/** The identity of a ServiceAccount token, as the token authenticator reports it. */
export function serviceAccountIdentity(namespace: string, name: string): Identity {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

function has(list: string[] | undefined, value: string): boolean {
  return !!list && (list.includes('*') || list.includes(value));
}

function ruleAllows(rule: Rule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.path !== undefined) {
    return (rule.nonResourceURLs ?? []).some(
      (u) => u === '*' || u === a.path || (u.endsWith('*') && a.path!.startsWith(u.slice(0, -1))),
    );
  }
  if (!has(rule.apiGroups, a.group ?? '')) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource!;
  const resources = rule.resources ?? [];
  if (!(
    resources.includes('*') ||
    resources.includes(combined) ||
    (a.subresource && resources.includes(`*/${a.subresource}`))
  ))
    return false;
  if (rule.resourceNames?.length) return !!a.name && rule.resourceNames.includes(a.name);
  return true;
}

/** True when `owner` covers every atomic permission of `wanted` (a `*` in wanted needs a `*` in owner). */
function covers(owner: Rule[], wanted: Rule): boolean {
  const verbs = wanted.verbs ?? [];
  if (wanted.nonResourceURLs?.length)
    return wanted.nonResourceURLs.every((path) =>
      verbs.every((verb) =>
        owner.some(
          (o) =>
            (o.nonResourceURLs ?? []).some(
              (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
            ) && has(o.verbs, verb),
        ),
      ),
    );
  const names = wanted.resourceNames?.length ? wanted.resourceNames : [undefined];
  for (const verb of verbs)
    for (const group of wanted.apiGroups ?? [])
      for (const resource of wanted.resources ?? [])
        for (const name of names)
          if (
            !owner.some(
              (o) =>
                has(o.verbs, verb) &&
                has(o.apiGroups, group) &&
                has(o.resources, resource) &&
                (!o.resourceNames?.length || (name !== undefined && o.resourceNames.includes(name))),
            )
          )
            return false;
  return true;
}

export class Rbac {
  private readonly identities: Map<string, Identity>;

  constructor(
    private readonly store: Store,
    opts: RbacOptions,
  ) {
    this.identities = new Map(
      Object.entries(opts.identities).map(([token, i]) => [
        token,
        { user: i.user, groups: [...new Set([...(i.groups ?? []), 'system:authenticated'])] },
      ]),
    );
  }

  /** The identity RBAC applies to, or undefined for a superuser (any other caller). */
  identityOf(authorization: string | undefined): Identity | undefined {
    if (!authorization?.startsWith('Bearer ')) return undefined;
    return this.identities.get(authorization.slice(7));
  }

  authorize(id: Identity, a: Attributes): void {
    if (this.rulesFor(id, a.path === undefined ? (a.namespace ?? '') : undefined).some((r) => ruleAllows(r, a))) return;
    throw new KubeError(403, 'Forbidden', this.denial(id, a), {
      name: a.name,
      group: a.group || undefined,
      kind: a.resource,
    });
  }

  allowed(id: Identity, a: Attributes): boolean {
    return this.rulesFor(id, a.namespace ?? '').some((r) => ruleAllows(r, a));
  }

  /** The escalation and bind checks for a Role, ClusterRole or binding about to be written (its final form). */
  checkWrite(id: Identity, plural: string, namespace: string, obj: any): void {
    const name = obj?.metadata?.name ?? '';
    const forbid = (why: string) =>
      new KubeError(403, 'Forbidden', `${key(plural)} "${name}" is forbidden: ${why}`, {
        name,
        group: GROUP,
        kind: plural,
      });
    if (plural === 'roles' || plural === 'clusterroles') {
      if (this.allowed(id, { verb: 'escalate', group: GROUP, resource: plural, namespace, name })) return;
      const owner = this.rulesFor(id, namespace);
      const missing = ((obj.rules ?? []) as Rule[]).filter((r) => !covers(owner, r));
      if (missing.length)
        throw forbid(
          `user "${id.user}" (groups=${JSON.stringify(id.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.map((r) => JSON.stringify(r)).join('\n')}`,
        );
      return;
    }
    if (plural === 'rolebindings' || plural === 'clusterrolebindings') {
      const ref = obj.roleRef ?? {};
      const refPlural = ref.kind === 'Role' ? 'roles' : 'clusterroles';
      const refNs = ref.kind === 'Role' ? namespace : '';
      if (this.allowed(id, { verb: 'bind', group: GROUP, resource: refPlural, namespace, name: ref.name })) return;
      const role = this.store.get(key(refPlural), refNs, ref.name);
      if (!role) throw forbid(`${key(refPlural)} "${ref.name}" not found`);
      const owner = this.rulesFor(id, namespace);
      const missing = ((role.rules ?? []) as Rule[]).filter((r) => !covers(owner, r));
      if (missing.length)
        throw forbid(
          `user "${id.user}" (groups=${JSON.stringify(id.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.map((r) => JSON.stringify(r)).join('\n')}`,
        );
    }
  }

  private bound(id: Identity, subjects: Subject[] | undefined): boolean {
    return (subjects ?? []).some((s) => {
      if (s.kind === 'User') return s.name === id.user;
      if (s.kind === 'Group') return id.groups.includes(s.name);
      if (s.kind === 'ServiceAccount') return `system:serviceaccount:${s.namespace}:${s.name}` === id.user;
      return false;
    });
  }

  /** Rules that apply in `namespace` ('' = cluster-wide only; undefined = non-resource). */
  private rulesFor(id: Identity, namespace: string | undefined): Rule[] {
    const rules: Rule[] = id.groups.includes('system:authenticated') ? [...AUTHENTICATED_RULES] : [];
    const clusterRole = (name: string): Rule[] => this.store.get(key('clusterroles'), '', name)?.rules ?? [];
    for (const b of this.store.list(key('clusterrolebindings')))
      if (b.roleRef?.kind === 'ClusterRole' && this.bound(id, b.subjects)) rules.push(...clusterRole(b.roleRef.name));
    if (namespace)
      for (const b of this.store.list(key('rolebindings'), namespace)) {
        if (!this.bound(id, b.subjects)) continue;
        if (b.roleRef?.kind === 'ClusterRole') rules.push(...clusterRole(b.roleRef.name));
        else rules.push(...(this.store.get(key('roles'), namespace, b.roleRef?.name)?.rules ?? []));
      }
    return rules;
  }

  private denial(id: Identity, a: Attributes): string {
    if (a.path !== undefined) return `forbidden: User "${id.user}" cannot ${a.verb} path "${a.path}"`;
    const what = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
    return (
      `${qualified}${a.name ? ` "${a.name}"` : ''} is forbidden: User "${id.user}" cannot ${a.verb} resource "${what}" ` +
      `in API group "${a.group ?? ''}"${a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope'}`
    );
  }
}
