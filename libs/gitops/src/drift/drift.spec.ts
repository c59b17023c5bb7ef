import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../objects/kube-object.js';
import { parseYamlDocuments } from '../yaml/parse-manifests.js';
import { diffObject, storedAsAbsent } from './diff-object.js';
import { fieldManagersOf } from './managed-fields.js';
import { IGNORE_FIELDS_ANNOTATION, IGNORE_MANAGERS_ANNOTATION, withoutIgnored } from './ignore-rules.js';
import { parseQuantity } from './quantity.js';
import { redactObject, secretKeys } from './redact.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/drift');
const load = (name: string) => parseYamlDocuments(name, readFileSync(resolve(fixtures, name)))[0] as KubeObject;

describe('diffObject', () => {
  const desired = load('deployment-desired.yaml');
  const live = load('deployment-live-drifted.yaml');

  it('reports exactly the fields changed by hand, ignoring server defaults and extra list elements', () => {
    const diffs = diffObject(desired, live);
    expect(diffs.map((d) => d.path)).toEqual(['spec.replicas', 'spec.template.spec.containers[name="web"].image']);
    expect(diffs[0]).toMatchObject({ change: 'changed', desired: 2, live: 5 });
  });

  it('finds nothing when live is what was applied plus defaults (quantities compared by amount)', () => {
    const healed = structuredClone(live) as KubeObject & {
      spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } };
    };
    healed.spec.replicas = 2;
    healed.spec.template.spec.containers[0]!.image = 'example.com/web:1.0';
    expect(diffObject(desired, healed)).toEqual([]);
  });

  it('reports removed labels and list elements as missing', () => {
    const changed = structuredClone(live) as KubeObject & {
      spec: { template: { spec: { containers: Array<{ env: unknown[] }> } } };
    };
    delete changed.metadata.labels?.['app.kubernetes.io/managed-by'];
    changed.spec.template.spec.containers[0]!.env = [];
    const paths = diffObject(desired, changed).map((d) => `${d.change} ${d.path}`);
    expect(paths).toContain('missing metadata.labels["app.kubernetes.io/managed-by"]');
    expect(paths).toContain('missing spec.template.spec.containers[name="web"].env[name="MODE"]');
  });

  it('compares atomic lists whole', () => {
    const changed = structuredClone(live) as KubeObject & {
      spec: { template: { spec: { containers: Array<{ args: string[] }> } } };
    };
    changed.spec.template.spec.containers[0]!.args = ['--port=8080', '--debug'];
    expect(diffObject(desired, changed).map((d) => d.path)).toContain('spec.template.spec.containers[name="web"].args');
  });

  it('reports a missing live object', () => {
    expect(diffObject(desired, undefined)).toEqual([{ path: '', segments: [], change: 'missing' }]);
  });

  it('reports Secret drift by key name only, never values (stringData compared as data)', () => {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      stringData: { password: 'hunter2', user: 'admin' },
    };
    const liveSecret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { password: Buffer.from('changed').toString('base64'), user: Buffer.from('admin').toString('base64') },
    };
    const diffs = diffObject(secret, liveSecret);
    expect(diffs.map((d) => d.path)).toEqual(['data.password']);
    expect(JSON.stringify(diffs)).not.toContain('hunter2');
    expect(JSON.stringify(diffs)).not.toContain(Buffer.from('changed').toString('base64'));
  });
});

describe('fieldManagersOf', () => {
  const live = load('deployment-live-drifted.yaml');
  const diffs = diffObject(load('deployment-desired.yaml'), live);

  it('names the manager that changed each drifted field', () => {
    const owners = fieldManagersOf(live, diffs, { ignoreManagers: ['flotilla'] });
    expect(owners.map((o) => [o.path, o.owners.map((w) => w.manager), o.exact])).toEqual([
      ['spec.replicas', ['kubectl'], true],
      ['spec.template.spec.containers[name="web"].image', ['kubectl-patch'], true],
    ]);
    expect(owners[0]?.owners[0]).toMatchObject({
      operation: 'Update',
      subresource: 'scale',
      time: '2026-11-27T10:06:00Z',
    });
  });

  it('matches keyed elements whose managedFields key has more fields than the merge key, and atomic leaves', () => {
    const owners = fieldManagersOf(live, [
      [
        { field: 'spec' },
        { field: 'template' },
        { field: 'spec' },
        { field: 'containers' },
        { key: { name: 'web' } },
        { field: 'ports' },
        { key: { containerPort: 8080 } },
        { field: 'name' },
      ],
      [{ field: 'spec' }, { field: 'selector' }, { field: 'matchLabels' }, { field: 'app' }],
    ]);
    expect(owners.map((o) => o.owners.map((w) => w.manager))).toEqual([['flotilla'], ['flotilla']]);
  });

  it('falls back to the owners of the nearest owned parent for a removed field', () => {
    const [owner] = fieldManagersOf(live, [[{ field: 'metadata' }, { field: 'annotations' }, { field: 'gone' }]]);
    expect(owner).toMatchObject({ exact: false, owners: [{ manager: 'kube-controller-manager' }] });
  });
});

describe('secrets and quantities', () => {
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 's',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"aHVudGVyMg=="}}' },
    },
    data: { password: 'aHVudGVyMg==' },
    stringData: { token: 'abc' },
  };

  it('turns Secret values into key names', () => {
    expect(secretKeys(secret)).toEqual(['password', 'token']);
    const redacted = redactObject(secret);
    expect(JSON.stringify(redacted)).not.toMatch(/aHVudGVyMg|abc/);
    expect(redacted['data']).toEqual({ password: '<redacted>' });
    expect(secret['data']).toEqual({ password: 'aHVudGVyMg==' });
  });

  it('parses quantities', () => {
    expect(parseQuantity('2000m')).toBe(2);
    expect(parseQuantity('1Gi')).toBe(1024 ** 3);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('abc')).toBeUndefined();
  });
});

describe('diffObject against objects as a real API server stores them (omitempty)', () => {
  const helmStyle = (): KubeObject =>
    ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', annotations: {} },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            nodeSelector: {},
            tolerations: [],
            hostNetwork: false,
            serviceAccountName: '',
            containers: [
              {
                name: 'web',
                image: 'example.com/web:1.0',
                args: [],
                env: [],
                volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: false }],
                livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 0 },
              },
            ],
            volumes: [{ name: 'data', emptyDir: {} }],
          },
        },
      },
    }) as KubeObject;

  /** The same Deployment read back from a server: empty optional fields gone, defaults filled in. */
  const stored = (): KubeObject =>
    ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', generation: 1, resourceVersion: '7' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'example.com/web:1.0',
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
                livenessProbe: {
                  httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
                  timeoutSeconds: 1,
                  periodSeconds: 10,
                  successThreshold: 1,
                  failureThreshold: 3,
                },
                terminationMessagePath: '/dev/termination-log',
                terminationMessagePolicy: 'File',
                imagePullPolicy: 'IfNotPresent',
              },
            ],
            volumes: [{ name: 'data', emptyDir: {} }],
            restartPolicy: 'Always',
            dnsPolicy: 'ClusterFirst',
            schedulerName: 'default-scheduler',
            securityContext: {},
            terminationGracePeriodSeconds: 30,
          },
        },
      },
    }) as KubeObject;

  it('sees no drift where the server dropped empty and zero-valued fields', () => {
    expect(diffObject(helmStyle(), stored())).toEqual([]);
  });

  it('still sees a hand edit of a field the manifest sets to its zero value', () => {
    const live = stored() as KubeObject & { spec: { template: { spec: Record<string, unknown> } } };
    live.spec.template.spec['hostNetwork'] = true;
    live.spec.template.spec['serviceAccountName'] = 'admin';
    expect(diffObject(helmStyle(), live).map((d) => `${d.change} ${d.path}`)).toEqual([
      'changed spec.template.spec.hostNetwork',
      'changed spec.template.spec.serviceAccountName',
    ]);
  });

  it('still sees a non-empty manifest value the server does not hold', () => {
    const desired = helmStyle() as KubeObject & {
      spec: { template: { spec: { containers: Array<{ args: string[] }> } } };
    };
    desired.spec.template.spec.containers[0]!.args = ['--port=8080'];
    expect(diffObject(desired, stored()).map((d) => `${d.change} ${d.path}`)).toEqual([
      'missing spec.template.spec.containers[name="web"].args',
    ]);
  });

  it('treats only omitempty values as absent', () => {
    expect([{}, [], '', 0, false, null, { a: {}, b: [], c: '' }].every(storedAsAbsent)).toBe(true);
    expect([{ a: 1 }, ['x'], 'x', 1, true, { a: { b: 'x' } }].some(storedAsAbsent)).toBe(false);
  });
});

describe('diffObject: fields the server allocates when the manifest leaves them empty', () => {
  const service = (spec: Record<string, unknown>) =>
    ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'n' }, spec }) as KubeObject;

  it('a Service with clusterIP "" and nodePort 0 matches the allocated address and port', () => {
    const desired = service({ type: 'NodePort', clusterIP: '', ports: [{ port: 80, nodePort: 0 }] });
    const live = service({
      type: 'NodePort',
      clusterIP: '10.96.0.7',
      clusterIPs: ['10.96.0.7'],
      ports: [{ port: 80, nodePort: 31234, protocol: 'TCP', targetPort: 80 }],
    });
    expect(diffObject(desired, live)).toEqual([]);
  });

  it('a set clusterIP is still compared, and the same empty value elsewhere is still drift', () => {
    const live = service({ clusterIP: '10.96.0.7', sessionAffinity: 'ClientIP' });
    expect(diffObject(service({ clusterIP: '10.96.0.8' }), live).map((d) => d.path)).toEqual(['spec.clusterIP']);
    expect(diffObject(service({ sessionAffinity: '' }), live).map((d) => d.path)).toEqual(['spec.sessionAffinity']);
  });
});

describe('withoutIgnored: per-object ignore rules', () => {
  const deploy = (annotations: Record<string, string>, replicas: number, image: string) =>
    ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'n',
        annotations,
        managedFields: [
          {
            manager: 'hpa-controller',
            operation: 'Update',
            subresource: 'scale',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:spec': { 'f:replicas': {} } },
          },
          {
            manager: 'kubectl-edit',
            operation: 'Update',
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } },
            },
          },
        ],
      },
      spec: { replicas, template: { spec: { containers: [{ name: 'app', image }] } } },
    }) as KubeObject;
  /** Drift of the desired object against a live one edited by hand and scaled by the HPA. */
  const paths = (desired: KubeObject) => {
    const live = deploy(desired.metadata.annotations ?? {}, 5, 'nginx:2');
    return withoutIgnored(desired, live, diffObject(desired, live)).map((d) => d.path);
  };

  it('JSON pointers: a field at or under one is not drift; merge-keyed elements by key value or *', () => {
    expect(paths(deploy({}, 2, 'nginx:1'))).toEqual([
      'spec.replicas',
      'spec.template.spec.containers[name="app"].image',
    ]);
    expect(paths(deploy({ [IGNORE_FIELDS_ANNOTATION]: '/spec/replicas' }, 2, 'nginx:1'))).toEqual([
      'spec.template.spec.containers[name="app"].image',
    ]);
    expect(
      paths(
        deploy({ [IGNORE_FIELDS_ANNOTATION]: '/spec/replicas, /spec/template/spec/containers/*/image' }, 2, 'nginx:1'),
      ),
    ).toEqual([]);
    expect(paths(deploy({ [IGNORE_FIELDS_ANNOTATION]: '/spec/template/spec/containers/app' }, 2, 'nginx:1'))).toEqual([
      'spec.replicas',
    ]);
    expect(paths(deploy({ [IGNORE_FIELDS_ANNOTATION]: 'spec/replicas, /__proto__' }, 2, 'nginx:1'))).toHaveLength(2);
  });

  it('field managers: a drifted field another listed manager owns is theirs', () => {
    expect(paths(deploy({ [IGNORE_MANAGERS_ANNOTATION]: 'hpa-controller' }, 2, 'nginx:1'))).toEqual([
      'spec.template.spec.containers[name="app"].image',
    ]);
    expect(paths(deploy({ [IGNORE_MANAGERS_ANNOTATION]: 'cainjector, kubectl-edit' }, 2, 'nginx:1'))).toEqual([
      'spec.replicas',
    ]);
  });
});
