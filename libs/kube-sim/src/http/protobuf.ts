// Decoding the Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) for the kinds kubectl
// creates with protobuf bodies (`kubectl create namespace|configmap|secret|serviceaccount`).
// Other kinds are refused with 415, naming what to send instead.
import { errors } from '../errors.js';

type Field = { no: number; wire: number; value: bigint | Buffer };

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let shift = 0n;
    let v = 0n;
    for (;;) {
      if (i >= buf.length) throw errors.badRequest('protobuf: truncated varint');
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, value: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw errors.badRequest('protobuf: truncated field');
      out.push({ no, wire, value: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw errors.badRequest(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Field) => (f.value as Buffer).toString('utf8');
/** A string field, or undefined when absent or empty (gogo-protobuf writes empty strings too). */
const optStr = (f: Field | undefined) => (f && (f.value as Buffer).length ? str(f) : undefined);
const bytes = (f: Field) => f.value as Buffer;

function map(list: Field[], no: number, asBase64: boolean): Record<string, string> | undefined {
  const entries = list.filter((f) => f.no === no);
  if (!entries.length) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(bytes(e));
    const k = kv.find((f) => f.no === 1);
    const v = kv.find((f) => f.no === 2);
    out[k ? str(k) : ''] = v ? (asBase64 ? bytes(v).toString('base64') : str(v)) : '';
  }
  return out;
}

function strings(list: Field[], no: number): string[] | undefined {
  const l = list.filter((f) => f.no === no).map(str);
  return l.length ? l : undefined;
}

function one(list: Field[], no: number): Field | undefined {
  return list.find((f) => f.no === no);
}

function objectMeta(buf: Buffer): Record<string, unknown> {
  const f = fields(buf);
  const m: Record<string, unknown> = {};
  const s = (no: number, name: string) => {
    const v = optStr(one(f, no));
    if (v !== undefined) m[name] = v;
  };
  s(1, 'name');
  s(2, 'generateName');
  s(3, 'namespace');
  s(6, 'resourceVersion');
  const labels = map(f, 11, false);
  if (labels) m.labels = labels;
  const annotations = map(f, 12, false);
  if (annotations) m.annotations = annotations;
  const finalizers = strings(f, 14);
  if (finalizers) m.finalizers = finalizers;
  return m;
}

const DECODERS: Record<string, (f: Field[]) => Record<string, unknown>> = {
  Namespace: (f) => {
    const spec = one(f, 2);
    const finalizers = spec ? strings(fields(bytes(spec)), 1) : undefined;
    return finalizers ? { spec: { finalizers } } : {};
  },
  ConfigMap: (f) => ({
    data: map(f, 2, false),
    binaryData: map(f, 3, true),
    immutable: one(f, 4) ? one(f, 4)!.value === 1n : undefined,
  }),
  Secret: (f) => ({ data: map(f, 2, true), type: optStr(one(f, 3)), stringData: map(f, 4, false) }),
  ServiceAccount: (f) => {
    const pulls = f
      .filter((x) => x.no === 3)
      .map((x) => ({ name: str(one(fields(bytes(x)), 1) ?? { no: 1, wire: 2, value: Buffer.alloc(0) }) }));
    const auto = one(f, 4);
    return {
      imagePullSecrets: pulls.length ? pulls : undefined,
      automountServiceAccountToken: auto ? auto.value === 1n : undefined,
    };
  },
};

/** The JSON form of a protobuf-encoded object, for the kinds above. */
export function decodeProtobuf(raw: Buffer): Record<string, unknown> {
  if (raw.length < 4 || raw.subarray(0, 4).toString('latin1') !== 'k8s\u0000')
    throw errors.badRequest('protobuf: the body does not start with the k8s\\0 envelope');
  const unknown = fields(raw.subarray(4));
  const typeMeta = one(unknown, 1);
  const tm = typeMeta ? fields(bytes(typeMeta)) : [];
  const apiVersion = one(tm, 1) ? str(one(tm, 1)!) : '';
  const kind = one(tm, 2) ? str(one(tm, 2)!) : '';
  const decoder = apiVersion === 'v1' ? DECODERS[kind] : undefined;
  if (!decoder)
    throw errors.unsupportedMediaType(`application/vnd.kubernetes.protobuf (${apiVersion} ${kind || 'unknown kind'})`, [
      'application/json',
      'application/yaml',
      'application/vnd.kubernetes.protobuf for v1 Namespace, ConfigMap, Secret and ServiceAccount only',
    ]);
  const rawObj = one(unknown, 2);
  const obj = rawObj ? fields(bytes(rawObj)) : [];
  const meta = one(obj, 1);
  const body: Record<string, unknown> = { apiVersion, kind, metadata: meta ? objectMeta(bytes(meta)) : {} };
  for (const [k, v] of Object.entries(decoder(obj))) if (v !== undefined) body[k] = v;
  return body;
}
