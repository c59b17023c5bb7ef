/**
 * The demo fleet repository's first commit: a fleet.yaml with three waves, a shared base (a
 * podinfo web app: Namespace, ConfigMap, Deployment, Service) and one Kustomize overlay per
 * demo cluster under clusters/<name>/ that pulls the base in and sets its own replicas.
 */

export interface DemoCluster {
  name: string;
  tags: string[];
  replicas: number;
}

export const DEMO_CLUSTERS: DemoCluster[] = [
  { name: 'canary-1', tags: ['canary'], replicas: 1 },
  { name: 'edge-eu-1', tags: ['edge-eu'], replicas: 2 },
  { name: 'edge-eu-2', tags: ['edge-eu'], replicas: 2 },
  { name: 'edge-us-1', tags: ['edge-us'], replicas: 2 },
  { name: 'edge-us-2', tags: ['edge-us'], replicas: 2 },
  { name: 'cloud-1', tags: ['cloud'], replicas: 3 },
];

const FLEET_YAML = `# Rollout policy: a new commit goes to the canary first, then the edge, then the rest.
apiVersion: flotilla.dev/v1
kind: FleetPolicy
onFailure: rollback
waves:
  - name: canary
    selector: { anyOf: [canary] }
    healthTimeout: 2m
    soak: 10s
  - name: edge
    selector: { anyOf: [edge-eu, edge-us] }
    maxParallel: 50%
    healthTimeout: 2m
    soak: 5s
  - name: rest
    rest: true
    healthTimeout: 2m
`;

const BASE = {
  'bases/podinfo/kustomization.yaml': `resources:
  - namespace.yaml
  - configmap.yaml
  - deployment.yaml
  - service.yaml
`,
  'bases/podinfo/namespace.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: podinfo
`,
  'bases/podinfo/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: podinfo-config
  namespace: podinfo
data:
  PODINFO_UI_MESSAGE: "Hello from Flotilla"
`,
  'bases/podinfo/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: podinfo
  labels:
    app: podinfo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: podinfo
  template:
    metadata:
      labels:
        app: podinfo
    spec:
      containers:
        - name: podinfo
          image: ghcr.io/stefanprodan/podinfo:6.7.0
          ports:
            - name: http
              containerPort: 9898
          envFrom:
            - configMapRef:
                name: podinfo-config
`,
  'bases/podinfo/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: podinfo
  namespace: podinfo
spec:
  selector:
    app: podinfo
  ports:
    - name: http
      port: 80
      targetPort: http
`,
};

/**
 * A Helm-based app: a chart in the repository, rendered on the hub (hydration) with values that
 * name the cluster, so the agents only ever see plain manifests on the rendered branch.
 */
const HELLO = {
  'bases/hello/kustomization.yaml': `# A Helm chart, rendered on the hub into the flotilla/rendered branch (hydration).
helmCharts:
  - name: hello
    releaseName: hello
    namespace: hello
    valuesInline:
      cluster: \${cluster.name}
`,
  'bases/hello/charts/hello/Chart.yaml': `apiVersion: v2
name: hello
description: A greeting per cluster, from a Helm chart
version: 0.1.0
`,
  'bases/hello/charts/hello/values.yaml': `greeting: Hello from a Helm chart
cluster: somewhere
replicas: 1
image: ghcr.io/stefanprodan/podinfo:6.7.0
`,
  'bases/hello/charts/hello/templates/hello.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: {{ .Release.Namespace }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
  namespace: {{ .Release.Namespace }}
data:
  PODINFO_UI_MESSAGE: {{ printf "%s on %s" .Values.greeting .Values.cluster | quote }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
  labels:
    app: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}
    spec:
      containers:
        - name: hello
          image: {{ .Values.image | quote }}
          envFrom:
            - configMapRef:
                name: {{ .Release.Name }}-config
`,
};

function overlay(c: DemoCluster, helm: boolean): Record<string, string> {
  return {
    [`clusters/${c.name}/kustomization.yaml`]: `resources:
  - ../../bases/podinfo
${helm ? '  - ../../bases/hello\n' : ''}commonLabels:
  flotilla.dev/demo-cluster: ${c.name}
patches:
  - target:
      kind: Deployment
      name: podinfo
    patch: |-
      - op: replace
        path: /spec/replicas
        value: ${c.replicas}
`,
  };
}

/** Every file of the demo repository's first commit; `helm` adds the Helm-based app (hydration on). */
export function demoRepoFiles({ helm = false }: { helm?: boolean } = {}): Record<string, string> {
  return Object.assign(
    {
      'fleet.yaml': FLEET_YAML,
      'README.md': '# Demo fleet\n\nEdit a manifest, commit, push: Flotilla rolls it out wave by wave.\n',
    },
    BASE,
    helm ? HELLO : {},
    ...DEMO_CLUSTERS.map((c) => overlay(c, helm)),
  );
}
