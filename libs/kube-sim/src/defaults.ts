// Server-side defaulting for the built-in kinds, as a real API server fills in omitted
// fields (strategy, imagePullPolicy, dnsPolicy, Service clusterIP, …). Update writers end up
// owning the defaults they caused; appliers do not, just as on a real server.
type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function withDefaults(o: Obj, d: Obj): Obj {
  let out: Obj | undefined;
  for (const [k, v] of Object.entries(d)) {
    if (o[k] !== undefined) continue;
    out ??= { ...o };
    out[k] = v;
  }
  return out ?? o;
}

/** Maps a list, returning the same array when no item changed. */
function mapSame(list: unknown[], f: (v: unknown) => unknown): unknown[] {
  let out: unknown[] | undefined;
  list.forEach((v, i) => {
    const n = f(v);
    if (n !== v) (out ??= [...list])[i] = n;
  });
  return out ?? list;
}

function ports(list: unknown, service: boolean): unknown {
  if (!Array.isArray(list)) return list;
  return mapSame(list, (p) => {
    if (!isObj(p)) return p;
    const d: Obj = { protocol: 'TCP' };
    if (service && p.port !== undefined) d.targetPort = p.port;
    return withDefaults(p, d);
  });
}

function container(c: unknown): unknown {
  if (!isObj(c)) return c;
  const image = String(c.image ?? '');
  const tag = /:([^/:@]+)$/.exec(image)?.[1];
  const pull = image.includes('@') || (tag && tag !== 'latest') ? 'IfNotPresent' : 'Always';
  let out = withDefaults(c, {
    imagePullPolicy: pull,
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  });
  const p = c.ports ? ports(c.ports, false) : undefined;
  if (p !== c.ports) out = { ...out, ports: p };
  return out;
}

function podSpec(s: unknown, restartPolicy: string): unknown {
  if (!isObj(s)) return s;
  let out = withDefaults(s, {
    restartPolicy,
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    securityContext: {},
    schedulerName: 'default-scheduler',
  });
  for (const k of ['containers', 'initContainers']) {
    if (!Array.isArray(s[k])) continue;
    const list = mapSame(s[k], container);
    if (list !== s[k]) out = { ...out, [k]: list };
  }
  return out;
}

function template(spec: Obj, restartPolicy = 'Always'): Obj {
  if (!isObj(spec.template)) return spec;
  const ps = podSpec(spec.template.spec, restartPolicy);
  return ps === spec.template.spec ? spec : { ...spec, template: { ...spec.template, spec: ps } };
}

let nextIp = 1;

function specDefaults(kind: string, spec: Obj): Obj {
  switch (kind) {
    case 'Deployment':
      return template(
        withDefaults(spec, {
          replicas: 1,
          revisionHistoryLimit: 10,
          progressDeadlineSeconds: 600,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        }),
      );
    case 'StatefulSet':
      return template(
        withDefaults(spec, {
          replicas: 1,
          podManagementPolicy: 'OrderedReady',
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
          revisionHistoryLimit: 10,
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        }),
      );
    case 'DaemonSet':
      return template(
        withDefaults(spec, {
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
          revisionHistoryLimit: 10,
        }),
      );
    case 'ReplicaSet':
      return template(withDefaults(spec, { replicas: 1 }));
    case 'Job':
      return template(
        withDefaults(spec, {
          parallelism: 1,
          completions: 1,
          backoffLimit: 6,
          completionMode: 'NonIndexed',
          suspend: false,
          podReplacementPolicy: 'TerminatingOrFailed',
        }),
        'Never',
      );
    case 'Service': {
      const out = withDefaults(spec, {
        type: spec.type ?? 'ClusterIP',
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
      });
      const p = spec.ports ? ports(spec.ports, true) : undefined;
      return p !== spec.ports ? { ...out, ports: p } : out;
    }
    case 'Pod':
      return podSpec(spec, 'Always') as Obj;
  }
  return spec;
}

/** A Secret's stringData is write-only: merged into data (base64) and dropped, as a real server does. */
function secretDefaults(obj: Obj): Obj {
  let out = withDefaults(obj, { type: 'Opaque' });
  if (isObj(obj.stringData)) {
    const data: Obj = { ...(isObj(obj.data) ? obj.data : {}) };
    for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    const { stringData: _s, ...rest } = out;
    out = { ...rest, data };
  }
  return out;
}

/** The object with the defaults a real server adds (unchanged object when nothing is missing). */
export function applyDefaults(kind: string, builtin: boolean, obj: Obj): Obj {
  if (!builtin) return obj;
  if (kind === 'Secret') return secretDefaults(obj);
  if (kind === 'Namespace') return withDefaults(obj, { spec: { finalizers: ['kubernetes'] } });
  if (kind === 'CronJob' && isObj(obj.spec)) {
    const spec = withDefaults(obj.spec, {
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
    });
    const jt =
      isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec)
        ? { ...spec.jobTemplate, spec: specDefaults('Job', spec.jobTemplate.spec) }
        : spec.jobTemplate;
    return { ...obj, spec: { ...spec, jobTemplate: jt } };
  }
  if (!isObj(obj.spec)) return obj;
  const spec = specDefaults(kind, obj.spec);
  return spec === obj.spec ? obj : { ...obj, spec };
}

/**
 * What a real server sets on create after defaulting (a Service's cluster IP and IP
 * families, a Namespace's Active phase), owned by no field manager.
 */
export function allocate(kind: string, builtin: boolean, obj: Obj): Obj {
  if (builtin && kind === 'Namespace') return { ...obj, status: { phase: 'Active' } };
  if (!builtin || kind !== 'Service' || !isObj(obj.spec)) return obj;
  const spec = obj.spec;
  if ((spec.type ?? 'ClusterIP') === 'ExternalName' || spec.clusterIP !== undefined) return obj;
  const n = nextIp++;
  const ip = `10.96.${(n >> 8) & 255}.${n & 255}`;
  return {
    ...obj,
    spec: withDefaults(spec, { clusterIP: ip, clusterIPs: [ip], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' }),
  };
}
