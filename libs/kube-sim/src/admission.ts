// Admission, as a cluster with webhooks behaves: mutating rules change an object on create and
// update (an injected sidecar, a rewritten annotation) before it is validated and stored;
// validating rules then refuse a chosen kind/name with the answer a real API server gives for a
// webhook's denial (`admission webhook "<name>" denied the request: <message>`, code 400 unless
// the rule says otherwise, e.g. 403 as Gatekeeper answers). Dry runs are admitted the same way.
// Status and scale writes are not admitted (webhooks seldom ask for subresources).
import { KubeError } from './errors.js';

type Obj = Record<string, any>;

export type AdmissionOperation = 'CREATE' | 'UPDATE';

/** Which writes a rule applies to; every field left out matches anything. */
export interface AdmissionMatch {
  kinds?: string[];
  names?: string[];
  namespaces?: string[];
  operations?: AdmissionOperation[];
}

export interface ValidatingRule extends AdmissionMatch {
  /** The webhook's name, as it appears in the denial. */
  name: string;
  message?: string;
  /** HTTP status of the denial (400 by default, as the API server uses when the webhook gives none). */
  code?: number;
}

export interface MutatingRule extends AdmissionMatch {
  name: string;
  /** Returns the changed object (never changes its argument). */
  mutate: (obj: Obj) => Obj;
}

export interface AdmissionRequest {
  operation: AdmissionOperation;
  kind: string;
  namespace: string;
  name: string;
}

function matches(rule: AdmissionMatch, req: AdmissionRequest): boolean {
  return (
    (!rule.kinds || rule.kinds.includes(req.kind)) &&
    (!rule.names || rule.names.includes(req.name)) &&
    (!rule.namespaces || rule.namespaces.includes(req.namespace)) &&
    (!rule.operations || rule.operations.includes(req.operation))
  );
}

const REASONS: Record<number, string> = { 400: 'BadRequest', 403: 'Forbidden', 422: 'Invalid' };

export class Admission {
  readonly validating: ValidatingRule[] = [];
  readonly mutating: MutatingRule[] = [];

  get empty(): boolean {
    return this.validating.length === 0 && this.mutating.length === 0;
  }

  clear(): void {
    this.validating.length = 0;
    this.mutating.length = 0;
  }

  /** The object after every matching mutating rule, in the order they were added. */
  mutate(req: AdmissionRequest, obj: Obj): Obj {
    let out = obj;
    for (const r of this.mutating) if (matches(r, req)) out = r.mutate(out);
    return out;
  }

  /** Throws the first matching validating rule's denial. */
  validate(req: AdmissionRequest): void {
    const rule = this.validating.find((r) => matches(r, req));
    if (!rule) return;
    const code = rule.code ?? 400;
    throw new KubeError(
      code,
      REASONS[code] ?? 'BadRequest',
      `admission webhook "${rule.name}" denied the request: ${rule.message ?? 'without explanation'}`,
    );
  }
}

function podSpecOf(obj: Obj): Obj | undefined {
  if (obj.kind === 'Pod') return obj.spec;
  if (obj.kind === 'CronJob') return obj.spec?.jobTemplate?.spec?.template?.spec;
  return obj.spec?.template?.spec;
}

function withPodSpec(obj: Obj, spec: Obj): Obj {
  if (obj.kind === 'Pod') return { ...obj, spec };
  if (obj.kind === 'CronJob') {
    const jt = obj.spec.jobTemplate;
    return {
      ...obj,
      spec: { ...obj.spec, jobTemplate: { ...jt, spec: { ...jt.spec, template: { ...jt.spec.template, spec } } } },
    };
  }
  return { ...obj, spec: { ...obj.spec, template: { ...obj.spec.template, spec } } };
}

/** A mutator adding `container` to every pod spec that lacks one of its name (an Istio/Linkerd-style sidecar). */
export function injectSidecar(container: { name: string; image: string } & Obj): (obj: Obj) => Obj {
  return (obj) => {
    const spec = podSpecOf(obj);
    if (!spec || !Array.isArray(spec.containers)) return obj;
    if (spec.containers.some((c: Obj) => c?.name === container.name)) return obj;
    return withPodSpec(obj, { ...spec, containers: [...spec.containers, container] });
  };
}

/** A mutator setting annotation `key` to `value` on the object (whatever the manifest said). */
export function setAnnotation(key: string, value: string): (obj: Obj) => Obj {
  return (obj) =>
    obj.metadata?.annotations?.[key] === value
      ? obj
      : { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata?.annotations, [key]: value } } };
}
