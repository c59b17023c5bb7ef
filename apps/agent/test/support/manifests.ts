/** Small manifests for reconcile tests, as the YAML a fleet repo would hold. */
export const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

export const configMap = (
  ns: string,
  name: string,
  data: Record<string, string> = { key: 'value' },
  annotations: Record<string, string> = {},
) =>
  [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${ns}`,
    ...(Object.keys(annotations).length
      ? ['  annotations:', ...Object.entries(annotations).map(([k, v]) => `    ${k}: "${v}"`)]
      : []),
    'data:',
    ...Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`),
    '',
  ].join('\n');

export const deployment = (ns: string, name: string, replicas = 2, image = 'nginx:1.27') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
        - name: ${name}
          image: ${image}
          ports: [{ containerPort: 80 }]
`;

export const service = (ns: string, name: string) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector: { app: ${name} }
  ports: [{ port: 80, targetPort: 80 }]
`;

/** A Secret with base64 `data`. */
export const secret = (ns: string, name: string, data: Record<string, string>) =>
  [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${ns}`,
    'data:',
    ...Object.entries(data).map(([k, v]) => `  ${k}: ${Buffer.from(v).toString('base64')}`),
    '',
  ].join('\n');

/** The base web app: a namespace, a config map, a deployment and its service. */
export const webApp = (ns = 'web', replicas = 2): Record<string, string> => ({
  [`clusters/edge/namespace.yaml`]: namespace(ns),
  [`clusters/edge/app/config.yaml`]: configMap(ns, 'web-config'),
  [`clusters/edge/app/deploy.yaml`]: `${deployment(ns, 'web', replicas)}---\n${service(ns, 'web')}`,
});
