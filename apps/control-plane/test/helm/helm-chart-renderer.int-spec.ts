import { join } from 'node:path';
import { type KubeObject, objectId, render, RenderError, RenderErrorCode } from '@flotilla/gitops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartRepositoryClient } from '../../src/modules/hydration/helm/chart-repository.js';
import { HelmChartRenderer } from '../../src/modules/hydration/helm/helm-chart-renderer.js';
import {
  type ChartRepo,
  copyFleet,
  HELM_FIXTURES,
  helmPath,
  kubectlKustomizeHelm,
  startChartRepo,
  treeOf,
} from './helm-fixtures.js';

const byId = (objects: readonly KubeObject[]) => new Map(objects.map((o) => [objectId(o), o]));

function remoteKustomization(repo: string, extra = ''): string {
  return `helmCharts:
  - name: greeter
    repo: ${repo}
    version: 0.2.0
    releaseName: hi
    namespace: greetings
    valuesMerge: merge
    valuesInline:
      greeting: ignored-by-merge
      enabled: true
      target: world
    additionalValuesFiles:
      - extra.yaml
${extra}`;
}

let repo: ChartRepo;
let helm: string;

function renderer(limits: Partial<{ timeoutMs: number; maxOutputBytes: number }> = {}): HelmChartRenderer {
  return new HelmChartRenderer({
    helmBin: helm,
    repository: new ChartRepositoryClient({
      timeoutMs: 5_000,
      maxIndexBytes: 1 << 20,
      maxChartBytes: 1 << 20,
      indexTtlMs: 0,
    }),
    timeoutMs: limits.timeoutMs ?? 30_000,
    maxOutputBytes: limits.maxOutputBytes ?? 4 << 20,
    concurrency: 2,
  });
}

async function failure(promise: Promise<unknown>): Promise<RenderError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RenderError);
  return err as RenderError;
}

beforeAll(async () => {
  helm = await helmPath();
  repo = await startChartRepo([join(HELM_FIXTURES, 'charts/greeter')]);
});
afterAll(async () => {
  await repo?.close();
});

describe('helmCharts rendered on the hub equal kubectl kustomize --enable-helm with the pinned helm', () => {
  it('a chart in the repository: inline values over values.yaml, additional values files, CRDs, tests skipped, then kustomize transforms', async () => {
    const dir = await copyFleet();
    const [ours, reference] = await Promise.all([
      render(await treeOf(dir), 'apps/local', { helm: renderer().inflater() }),
      kubectlKustomizeHelm(join(dir, 'apps/local')),
    ]);
    const want = byId(reference);
    const got = byId(ours.objects);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [id, obj] of want) expect(got.get(id), id).toEqual(obj);
    // What the fixture exercises, so an empty or trivial render cannot pass.
    expect([...got.keys()].sort()).toEqual([
      '_widgets.example.com_apiextensions.k8s.io_CustomResourceDefinition',
      'shop_storefront-deployer__ServiceAccount',
      'shop_storefront-webapp-settings__ConfigMap',
      'shop_storefront-webapp__Service',
      'shop_storefront-webapp_apps_Deployment',
    ]);
    const deploy = got.get('shop_storefront-webapp_apps_Deployment') as unknown as {
      metadata: { labels: Record<string, string> };
      spec: {
        replicas: number;
        template: { spec: { priorityClassName: string; containers: Array<{ image: string; env: unknown[] }> } };
      };
    };
    expect(deploy.spec.replicas).toBe(3);
    expect(deploy.metadata.labels['team']).toBe('storefront');
    expect(deploy.spec.template.spec.priorityClassName).toBe('high');
    expect(deploy.spec.template.spec.containers[0]?.image).toBe('ghcr.io/example/webapp:2.1.0');
    expect(deploy.spec.template.spec.containers[0]?.env).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'REGION', value: 'eu-west' },
    ]);
  });

  it('a chart from an HTTP chart repository: index.yaml and archive fetched with limits, valuesMerge merge', async () => {
    const files = {
      'apps/remote/kustomization.yaml': remoteKustomization(repo.url),
      'apps/remote/extra.yaml': 'replicas: 4\n',
    };
    const [oursDir, refDir] = await Promise.all([copyFleet(files), copyFleet(files)]);
    const [ours, reference] = await Promise.all([
      render(await treeOf(oursDir), 'apps/remote', { helm: renderer().inflater() }),
      kubectlKustomizeHelm(join(refDir, 'apps/remote')),
    ]);
    expect(ours.objects).toEqual(reference);
    expect(ours.objects).toHaveLength(1);
    expect(ours.objects[0]).toMatchObject({
      metadata: { name: 'hi-greeter' },
      // merge: the chart's own values stay (greeting, and enabled: false); only missing ones are filled.
      data: { greeting: 'hello', enabled: 'false', target: 'world', replicas: '4', ports: '[8080]' },
    });
    expect(repo.requests).toContain('/charts/index.yaml');
    expect(repo.requests).toContain('/charts/greeter-0.2.0.tgz');
  });
});

describe('values that refer to the cluster, and identical inputs rendered once', () => {
  const kustomization = `helmCharts:
  - name: webapp
    releaseName: web
    valuesInline:
      image:
        tag: "\${cluster.tag.channel}"
      env:
        CLUSTER: "\${cluster.name}"
        REGION: \${cluster.region}
        LITERAL: "$\${cluster.name}"
`;
  const facts = (name: string, channel: string) => ({
    name,
    region: 'eu-west-1',
    provider: 'kind',
    kubeVersion: 'v1.33.0',
    tags: [`channel=${channel}`, 'edge'],
  });

  it('fills ${cluster.…} per cluster; a cluster whose values come out the same reuses the render', async () => {
    const dir = await copyFleet({ 'apps/per-cluster/kustomization.yaml': kustomization });
    await copyFleetChart(dir);
    const tree = await treeOf(dir);
    const r = renderer();
    const a = await render(tree, 'apps/per-cluster', { helm: r.inflater(facts('edge-a', 'stable')) });
    const deploy = a.objects.find((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string; env: unknown[] }> } } };
    };
    expect(deploy.spec.template.spec.containers[0]?.image).toBe('ghcr.io/example/webapp:stable');
    expect(deploy.spec.template.spec.containers[0]?.env).toEqual([
      { name: 'CLUSTER', value: 'edge-a' },
      { name: 'LITERAL', value: '${cluster.name}' },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'REGION', value: 'eu-west-1' },
    ]);
    expect(r.templatesRun).toBe(1);
    await render(tree, 'apps/per-cluster', { helm: r.inflater(facts('edge-a', 'stable')) });
    expect(r.templatesRun).toBe(1);
    const b = await render(tree, 'apps/per-cluster', { helm: r.inflater(facts('edge-b', 'beta')) });
    expect(r.templatesRun).toBe(2);
    expect(JSON.stringify(b.objects)).toContain('webapp:beta');
    const missing = await failure(
      render(tree, 'apps/per-cluster', { helm: r.inflater({ ...facts('edge-c', 'x'), tags: [] }) }),
    );
    expect(missing.code).toBe(RenderErrorCode.HelmValuesInvalid);
    expect(missing.reason).toContain('${cluster.tag.channel}');
    expect(missing.reason).toContain('edge-c');
  });
});

/** The per-cluster kustomization uses the fixture's in-repo chart from its own charts/ folder. */
async function copyFleetChart(dir: string): Promise<void> {
  const { cp } = await import('node:fs/promises');
  await cp(join(dir, 'apps/local/charts'), join(dir, 'apps/per-cluster/charts'), { recursive: true });
}

describe('bad input is an error naming the kustomization, the chart and the reason', () => {
  async function renderLocal(kustomization: string, files: Record<string, string> = {}, r = renderer()) {
    const dir = await copyFleet({ 'apps/local/kustomization.yaml': kustomization, ...files });
    return render(await treeOf(dir), 'apps/local', { helm: r.inflater() });
  }
  const chart = (extra: string) => `helmCharts:\n  - name: webapp\n    releaseName: web\n${extra}`;

  it('a chart that is neither in the repository nor given a repo', async () => {
    const err = await failure(renderLocal('helmCharts:\n  - name: nowhere\n    releaseName: x\n'));
    expect(err.code).toBe(RenderErrorCode.HelmChartNotFound);
    expect(err.file).toBe('apps/local/kustomization.yaml');
    expect(err.reason).toContain('"nowhere"');
  });

  it('a chart or version the chart repository does not have', async () => {
    const err = await failure(
      renderLocal(`helmCharts:\n  - name: greeter\n    repo: ${repo.url}\n    version: 9.9.9\n    releaseName: x\n`),
    );
    expect(err.code).toBe(RenderErrorCode.HelmChartNotFound);
    expect(err.reason).toMatch(/greeter.*9\.9\.9/);
  });

  it('a chart repository that is down, or not listening at all', async () => {
    repo.setUp(false);
    try {
      const down = await failure(
        renderLocal(`helmCharts:\n  - name: greeter\n    repo: ${repo.url}\n    version: 0.2.0\n    releaseName: x\n`),
      );
      expect(down.code).toBe(RenderErrorCode.HelmRepoUnreachable);
      expect(down.reason).toContain('HTTP 503');
    } finally {
      repo.setUp(true);
    }
    const closed = await failure(
      renderLocal('helmCharts:\n  - name: greeter\n    repo: http://127.0.0.1:1/charts\n    releaseName: x\n'),
    );
    expect(closed.code).toBe(RenderErrorCode.HelmRepoUnreachable);
    expect(closed.reason).toContain('"greeter"');
  });

  it('a values file that does not parse, or is not a mapping', async () => {
    const bad = await failure(
      renderLocal(chart('    valuesFile: bad.yaml\n'), { 'apps/local/bad.yaml': 'replicaCount: [1\n' }),
    );
    expect(bad.code).toBe(RenderErrorCode.HelmValuesInvalid);
    expect(bad.reason).toContain('apps/local/bad.yaml');
    const list = await failure(
      renderLocal(chart('    additionalValuesFiles: [list.yaml]\n'), { 'apps/local/list.yaml': '- a\n- b\n' }),
    );
    expect(list.code).toBe(RenderErrorCode.HelmValuesInvalid);
    expect(list.reason).toContain('not a mapping');
  });

  it('a chart whose templates fail, and one whose output has an invalid object', async () => {
    const failed = await failure(
      renderLocal(chart('    valuesInline:\n      failWith: the database URL is required\n')),
    );
    expect(failed.code).toBe(RenderErrorCode.HelmRenderFailed);
    expect(failed.reason).toContain('"webapp"');
    expect(failed.reason).toContain('the database URL is required');
    const invalid = await failure(renderLocal(chart('    valuesInline:\n      brokenObject: true\n')));
    expect(invalid.code).toBe(RenderErrorCode.InvalidObject);
    expect(invalid.file).toContain('helm chart "webapp"');
    expect(invalid.reason).toContain('metadata.name');
  });

  it('a render past its time limit or its output limit', async () => {
    const slow = await failure(renderLocal(chart(''), {}, renderer({ timeoutMs: 1 })));
    expect(slow.code).toBe(RenderErrorCode.HelmRenderFailed);
    expect(slow.reason).toContain('longer than 1 ms');
    const big = await failure(renderLocal(chart(''), {}, renderer({ maxOutputBytes: 100 })));
    expect(big.code).toBe(RenderErrorCode.HelmRenderFailed);
    expect(big.reason).toContain('more than 100 bytes');
  });

  it('a release name is required (a generated one would change every render)', async () => {
    const err = await failure(renderLocal('helmCharts:\n  - name: webapp\n'));
    expect(err.code).toBe(RenderErrorCode.InvalidKustomization);
    expect(err.reason).toContain('releaseName');
  });
});
