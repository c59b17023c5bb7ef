// Object shape rules a real API server enforces on every write: canonical field order,
// name rules, kind/apiVersion/namespace consistency and a few kind-specific checks.
import { errors, type StatusCause } from './errors.js';
import { type ResourceType, apiVersionOf } from './resources.js';
import { selectorString } from './selectors.js';
import { sizeCauses } from './size-limits.js';

const META_ORDER = [
  'name',
  'generateName',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

/** Stable field order (apiVersion, kind, metadata …, status last) so equal objects serialize equally. */
export function canonical(obj: any): any {
  const meta: Record<string, unknown> = {};
  const m = obj.metadata ?? {};
  for (const k of META_ORDER) if (m[k] !== undefined) meta[k] = m[k];
  for (const k of Object.keys(m)) if (!(k in meta) && m[k] !== undefined) meta[k] = m[k];
  const out: Record<string, unknown> = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: meta };
  for (const k of Object.keys(obj)) if (!(k in out) && k !== 'status' && obj[k] !== undefined) out[k] = obj[k];
  if (obj.status !== undefined) out.status = obj.status;
  return out;
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_KINDS = new Set(['Namespace', 'Service']);

export function nameProblem(kind: string, name: string): string | undefined {
  if (DNS_LABEL_KINDS.has(kind)) {
    if (name.length > 63) return 'must be no more than 63 characters';
    if (!LABEL.test(name))
      return `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;
    return undefined;
  }
  if (name.length > 253) return 'must be no more than 253 characters';
  if (!SUBDOMAIN.test(name))
    return `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
  return undefined;
}

/** Checks the body of a write against the URL it was sent to; fills in what may be left out. */
export function checkBody(
  t: ResourceType,
  body: any,
  url: { ns: string; name?: string },
  requireTypeMeta: boolean,
): any {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw errors.badRequest('the object provided is unrecognized: expected a JSON object');
  const want = apiVersionOf(t);
  if (requireTypeMeta && (!body.apiVersion || !body.kind))
    throw errors.badRequest(`${!body.apiVersion ? 'apiVersion' : 'kind'} must be set`);
  if (body.kind !== undefined && body.kind !== t.kind)
    throw errors.badRequest(
      `${body.kind} in version "${t.version}" cannot be handled as a ${t.kind}: the object kind does not match the resource`,
    );
  if (body.apiVersion !== undefined && body.apiVersion !== want)
    throw errors.badRequest(
      `the API version in the data (${body.apiVersion}) does not match the expected API version (${want})`,
    );
  const meta = typeof body.metadata === 'object' && body.metadata !== null ? body.metadata : {};
  if (t.namespaced && meta.namespace && meta.namespace !== url.ns)
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (url.name && meta.name && meta.name !== url.name)
    throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${url.name})`);
  const metadata = { ...meta, name: meta.name ?? url.name };
  if (t.namespaced) metadata.namespace = url.ns;
  else delete metadata.namespace;
  return { ...body, apiVersion: want, kind: t.kind, metadata };
}

function labelsMatch(selector: any, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** Kind-specific validation; throws 422 Invalid naming the fields. */
export function validate(t: ResourceType, obj: any): void {
  const name = obj.metadata?.name ?? '';
  const causes: StatusCause[] = [];
  if (!name)
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
      field: 'metadata.name',
    });
  else {
    const p = nameProblem(t.kind, name);
    if (p)
      causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": ${p}`, field: 'metadata.name' });
  }
  for (const [k, v] of Object.entries(obj.metadata?.labels ?? {})) {
    if (typeof v !== 'string' || v.length > 63 || (v && !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)))
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${String(v)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`,
        field: `metadata.labels`,
      });
    if (!k)
      causes.push({
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "": name part must be non-empty',
        field: 'metadata.labels',
      });
  }
  if (t.builtin && t.group === 'apps') {
    const spec = obj.spec ?? {};
    if (!spec.selector)
      causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' });
    else if (!labelsMatch(spec.selector, spec.template?.metadata?.labels))
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${selectorString(spec.selector)}": \`selector\` does not match template \`labels\``,
        field: 'spec.template.metadata.labels',
      });
    const containers = spec.template?.spec?.containers;
    if (!Array.isArray(containers) || !containers.length)
      causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers' });
    else
      containers.forEach((c: any, i: number) => {
        if (!c?.name)
          causes.push({
            reason: 'FieldValueRequired',
            message: 'Required value',
            field: `spec.template.spec.containers[${i}].name`,
          });
        if (!c?.image)
          causes.push({
            reason: 'FieldValueRequired',
            message: 'Required value',
            field: `spec.template.spec.containers[${i}].image`,
          });
      });
  }
  if (t.kind === 'CustomResourceDefinition' && t.builtin) {
    const s = obj.spec ?? {};
    if (!s.group) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.group' });
    if (!s.names?.plural || !s.names?.kind)
      causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.names' });
    if (!Array.isArray(s.versions) || !s.versions.length)
      causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.versions' });
    if (name && s.names?.plural && s.group && name !== `${s.names.plural}.${s.group}`)
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`,
        field: 'metadata.name',
      });
  }
  causes.push(...sizeCauses(t, obj));
  if (causes.length) throw errors.invalid(t.kind, name, causes, t.group);
  if (t.builtin && t.kind === 'Secret') {
    for (const [k, v] of Object.entries(obj.data ?? {})) {
      // Go's base64 decoder skips \r and \n (kustomize wraps generated data at 70 columns);
      // the server then stores and serves the bytes re-encoded on one line.
      const flat = typeof v === 'string' ? v.replace(/[\r\n]/g, '') : v;
      if (typeof flat !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(flat) || flat.length % 4 === 1)
        throw errors.badRequest(
          `Secret in version "v1" cannot be handled as a Secret: illegal base64 data in data["${k}"]`,
        );
      obj.data[k] = flat;
    }
  }
}
