// Kubernetes-style errors: each carries the HTTP code, reason and details a real API server
// puts into its `Status` body, so clients (kubectl, client-node) print the familiar messages.
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class KubeError extends Error {
  /** The Status's list metadata (a 410 Expired continue carries a token to go on inconsistently). */
  listMeta?: Record<string, unknown>;

  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    const body = statusBody(this.code, this.reason, this.message, this.details);
    if (this.listMeta) body.metadata = this.listMeta;
    return body;
  }
}

export function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
  };
  if (details) body.details = details;
  body.code = code;
  return body;
}

export interface ResourceRef {
  group: string;
  plural: string;
}

function qualified(r: ResourceRef): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export const errors = {
  notFound: (r: ResourceRef, name: string) =>
    new KubeError(404, 'NotFound', `${qualified(r)} "${name}" not found`, {
      name,
      group: r.group || undefined,
      kind: r.plural,
    }),
  namespaceNotFound: (ns: string) =>
    new KubeError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' }),
  noRoute: () => new KubeError(404, 'NotFound', 'the server could not find the requested resource', {}),
  alreadyExists: (r: ResourceRef, name: string) =>
    new KubeError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, {
      name,
      group: r.group || undefined,
      kind: r.plural,
    }),
  conflict: (r: ResourceRef, name: string) =>
    new KubeError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group: r.group || undefined, kind: r.plural },
    ),
  badRequest: (message: string) => new KubeError(400, 'BadRequest', message),
  unauthorized: () => new KubeError(401, 'Unauthorized', 'Unauthorized'),
  invalid: (kind: string, name: string, causes: StatusCause[], group = '') =>
    new KubeError(
      422,
      'Invalid',
      `${kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
      { name, group: group || undefined, kind, causes },
    ),
  methodNotAllowed: (verb: string, what: string) =>
    new KubeError(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource (${verb} ${what})`,
      {},
    ),
  unsupportedMediaType: (got: string, accepted: string[]) =>
    new KubeError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format (${got || 'none'}) - accepted media types include: ${accepted.join(', ')}`,
    ),
  tooLarge: (limit: number) =>
    new KubeError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`),
  gone: (message: string) => new KubeError(410, 'Expired', message),
  forbidden: (r: ResourceRef, name: string, why: string) =>
    new KubeError(403, 'Forbidden', `${qualified(r)} "${name}" is forbidden: ${why}`, {
      name,
      group: r.group || undefined,
      kind: r.plural,
    }),
};
