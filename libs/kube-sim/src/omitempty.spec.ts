import { describe, expect, it } from 'vitest';
import { omitEmpty } from './omitempty.js';

describe('omitEmpty: built-in kinds stored as Go omitempty encodes them', () => {
  it('drops empty and zero optional fields, keeps pointers, structs and map values', () => {
    const stored = omitEmpty('Deployment', true, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', annotations: {}, labels: { app: 'web', empty: '' } },
      spec: {
        replicas: 0,
        minReadySeconds: 0,
        paused: false,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' }, annotations: {} },
          spec: {
            nodeSelector: {},
            tolerations: [],
            hostNetwork: false,
            serviceAccountName: '',
            automountServiceAccountToken: false,
            securityContext: {},
            affinity: null,
            volumes: [{ name: 'tmp', emptyDir: {} }],
            containers: [
              {
                name: 'app',
                image: 'nginx:1.27',
                args: [],
                command: [''],
                env: [{ name: 'A', value: '' }],
                ports: [{ containerPort: 80, hostPort: 0, name: '' }],
                resources: { limits: {}, requests: { cpu: '0' } },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp', readOnly: false }],
                readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 0 },
                securityContext: { runAsNonRoot: false, privileged: false },
              },
            ],
          },
        },
      },
    });
    expect(stored).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web', empty: '' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            automountServiceAccountToken: false,
            securityContext: {},
            volumes: [{ name: 'tmp', emptyDir: {} }],
            containers: [
              {
                name: 'app',
                image: 'nginx:1.27',
                command: [''],
                env: [{ name: 'A' }],
                ports: [{ containerPort: 80 }],
                resources: { requests: { cpu: '0' } },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                readinessProbe: { httpGet: { path: '/', port: 80 } },
                securityContext: { runAsNonRoot: false, privileged: false },
              },
            ],
          },
        },
      },
    });
  });

  it("drops a Service's empty selector map and a ConfigMap's empty data, keeps immutable: false", () => {
    expect(
      omitEmpty('Service', true, { kind: 'Service', spec: { selector: {}, clusterIP: '', ports: [{ port: 80 }] } }),
    ).toEqual({ kind: 'Service', spec: { ports: [{ port: 80 }] } });
    expect(omitEmpty('ConfigMap', true, { kind: 'ConfigMap', data: {}, immutable: false })).toEqual({
      kind: 'ConfigMap',
      immutable: false,
    });
  });

  it("keeps a container status's restartCount 0 and ready false, drops a Deployment status's zero counts", () => {
    expect(
      omitEmpty('Pod', true, {
        kind: 'Pod',
        status: { containerStatuses: [{ name: 'app', ready: false, restartCount: 0, started: false, image: '' }] },
      }),
    ).toEqual({
      kind: 'Pod',
      status: { containerStatuses: [{ name: 'app', ready: false, restartCount: 0, started: false }] },
    });
    expect(
      omitEmpty('Deployment', true, {
        kind: 'Deployment',
        status: { replicas: 0, readyReplicas: 0, observedGeneration: 1 },
      }),
    ).toEqual({ kind: 'Deployment', status: { observedGeneration: 1 } });
  });

  it('leaves custom resources, unmodelled kinds and managedFields as sent, and returns the same object when nothing is empty', () => {
    const cr = { kind: 'Widget', spec: { list: [], flag: false } };
    expect(omitEmpty('Widget', false, cr)).toBe(cr);
    const lease = { kind: 'Lease', spec: { holderIdentity: '' } };
    expect(omitEmpty('Lease', true, lease)).toBe(lease);
    const cm = {
      kind: 'ConfigMap',
      metadata: { name: 'x', managedFields: [{ manager: 'm', fieldsV1: { 'f:data': {} }, subresource: '' }] },
      data: { a: '1' },
    };
    expect(omitEmpty('ConfigMap', true, cm)).toBe(cm);
  });
});
