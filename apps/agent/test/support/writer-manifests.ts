/**
 * Manifests that other writers in kube-sim act on (libs/kube-sim/src/writers): a Deployment with an
 * HPA, a webhook configuration and a CRD with a conversion webhook that cert-manager's cainjector
 * fills in — written the way a fleet repository holds them (the HPA owns replicas, so the
 * Deployment leaves them out; caBundle is left to the cainjector).
 */
export const hpaDeployment = (ns: string, name: string, replicas?: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
${replicas === undefined ? '' : `  replicas: ${replicas}\n`}  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: app, image: "nginx:1.27"}]}
`;

export const hpa = (ns: string, name: string, min: number, max: number) => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ${name}}
  minReplicas: ${min}
  maxReplicas: ${max}
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
`;

export const webhookConfiguration = (name: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: ${name}
  annotations: {cert-manager.io/inject-ca-from: "${name}/${name}-ca"}
webhooks:
- name: check.${name}.example.com
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: Ignore
  clientConfig: {service: {name: ${name}, namespace: ${name}, path: /validate}}
  rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
`;

export const conversionCrd = (plural: string, group: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
  annotations: {cert-manager.io/inject-ca-from: "${plural}/${plural}-ca"}
spec:
  group: ${group}
  names: {kind: Gadget, plural: ${plural}, singular: gadget}
  scope: Namespaced
  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1]
      clientConfig: {service: {name: ${plural}, namespace: ${plural}, path: /convert}}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;
