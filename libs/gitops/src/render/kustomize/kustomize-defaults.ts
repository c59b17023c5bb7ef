/**
 * The part of kustomize's default transformer config (api/internal/konfig/builtinpluginconsts) that
 * Flotilla's hand-written transformers (meta-transforms.ts, name-references.ts) do not cover; it
 * seeds every accumulator's config, so it runs through the same field-spec code as `configurations`.
 */
import type { FieldSpec } from './field-specs.js';
import type { NameReferenceConfig, TransformerConfig } from './configurations.js';
import { emptyConfig } from './configurations.js';

const POD_TEMPLATE = 'template/spec';
const ref = (kind: string, paths: Array<[string, string, string?]>, group?: string): NameReferenceConfig => ({
  kind,
  group,
  fieldSpecs: paths.map(([referrer, path, referrerGroup]) => ({ kind: referrer, path, group: referrerGroup })),
});
const podTemplate = (paths: string[]): Array<[string, string]> =>
  paths.flatMap((p) =>
    p.includes('{c}')
      ? ['containers', 'initContainers'].map((c): [string, string] => [
          'PodTemplate',
          `${POD_TEMPLATE}/${p.replace('{c}', c)}`,
        ])
      : [['PodTemplate', `${POD_TEMPLATE}/${p}`] as [string, string]],
  );

const NAME_REFERENCES: NameReferenceConfig[] = [
  ref('ConfigMap', [
    ...podTemplate([
      'volumes/configMap/name',
      '{c}/env/valueFrom/configMapKeyRef/name',
      '{c}/envFrom/configMapRef/name',
      'volumes/projected/sources/configMap/name',
    ]),
    ['Node', 'spec/configSource/configMap'],
    ['Role', 'rules/resourceNames'],
    ['ClusterRole', 'rules/resourceNames'],
    ['Ingress', 'metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap'],
  ]),
  ref('Secret', [
    ...podTemplate([
      'volumes/secret/secretName',
      '{c}/env/valueFrom/secretKeyRef/name',
      '{c}/envFrom/secretRef/name',
      'imagePullSecrets/name',
      'volumes/projected/sources/secret/name',
    ]),
    ['Ingress', 'metadata/annotations/ingress.kubernetes.io\\/auth-secret'],
    ['Ingress', 'metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret'],
    ['Ingress', 'metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret'],
    ['StorageClass', 'parameters/secretName'],
    ['StorageClass', 'parameters/adminSecretName'],
    ['StorageClass', 'parameters/userSecretName'],
    ['StorageClass', 'parameters/secretRef'],
    ['Role', 'rules/resourceNames'],
    ['ClusterRole', 'rules/resourceNames'],
    ['Service', 'spec/template/spec/containers/env/valueFrom/secretKeyRef/name'],
    ['PersistentVolume', 'spec/azureFile/secretName'],
  ]),
  ref('Service', [
    ['Ingress', 'spec/rules/http/paths/backend/serviceName'],
    ['Ingress', 'spec/backend/serviceName'],
    ['APIService', 'spec/service/name'],
    ['ValidatingWebhookConfiguration', 'webhooks/clientConfig/service'],
    ['MutatingWebhookConfiguration', 'webhooks/clientConfig/service'],
  ]),
  ref('PersistentVolume', [
    ['PersistentVolumeClaim', 'spec/volumeName'],
    ['ClusterRole', 'rules/resourceNames'],
  ]),
  ref(
    'StorageClass',
    [
      ['PersistentVolume', 'spec/storageClassName'],
      ['PersistentVolumeClaim', 'spec/storageClassName'],
    ],
    'storage.k8s.io',
  ),
  ref(
    'ValidatingAdmissionPolicy',
    [['ValidatingAdmissionPolicyBinding', 'spec/policyName']],
    'admissionregistration.k8s.io',
  ),
];

const NAMESPACE: FieldSpec[] = [
  { path: 'spec/service/namespace', group: 'apiregistration.k8s.io', kind: 'APIService', create: true },
  {
    path: 'spec/conversion/webhook/clientConfig/service/namespace',
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
  },
];

/** A fresh copy: accumulators mutate their config when merging. */
export function kustomizeDefaultExtras(): TransformerConfig {
  const config = emptyConfig();
  config.namespace = NAMESPACE.map((fs) => ({ ...fs }));
  config.nameReference = NAME_REFERENCES.map((r) => ({ ...r, fieldSpecs: r.fieldSpecs.map((fs) => ({ ...fs })) }));
  return config;
}
