// Adoption: objects first applied with the real client-side `kubectl apply` are taken over cleanly
// by the agent — fields the Git version no longer has are removed — and the result is what the
// real `kubectl apply --server-side` makes of the same object (kubectl's client-side → server-side
// upgrade, client-go csaupgrade): same data, labels, annotations and managedFields.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@flotilla/gitops';
import { kubectl, kubectlPath } from './support/kubectl.js';
import { namespace } from './support/manifests.js';
import { startReconcileEnv, type ReconcileEnv } from './support/reconcile-env.js';

const NS = 'adopt';
const OWNER = 'flotilla.dev/cluster';

const configMap = (name: string, labels: Record<string, string>, data: Record<string, string>) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, labels }, data });

const deployment = (name: string, env: Record<string, string>) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'app', image: 'nginx:1.27', env: Object.entries(env).map(([k, value]) => ({ name: k, value })) },
          ],
        },
      },
    },
  });

/** What adoption is judged on: everything but server-made metadata, managedFields without times, our owner label. */
function shape(obj: KubeObject): unknown {
  const {
    labels = {},
    annotations,
    managedFields = [],
  } = obj.metadata as {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: Array<Record<string, unknown>>;
  };
  const { [OWNER]: _owner, ...rest } = labels;
  const fields = (managedFields as Array<Record<string, unknown>>).map(({ time: _t, fieldsV1, ...e }) => {
    // Our owner label is the agent's own addition: leave it out of its entry.
    const f = structuredClone(fieldsV1) as { 'f:metadata'?: { 'f:labels'?: Record<string, unknown> } };
    const meta = f['f:metadata'];
    if (meta?.['f:labels']) {
      delete meta['f:labels'][`f:${OWNER}`];
      if (Object.keys(meta['f:labels']).length === 0) delete meta['f:labels'];
      if (Object.keys(meta).length === 0) delete f['f:metadata'];
    }
    return { ...e, fieldsV1: f };
  });
  const { metadata: _m, status: _s, ...body } = obj as KubeObject & { status?: unknown };
  return {
    labels: rest,
    annotations,
    managedFields: fields,
    body: JSON.stringify(body).replaceAll('-agent', '-X').replaceAll('-kubectl', '-X'),
  };
}

describe('adoption of objects made by client-side kubectl apply', () => {
  let env: ReconcileEnv;
  let dir: string;
  let k: (...args: string[]) => Promise<string>;
  const apply = async (file: string, json: string, ...flags: string[]) => {
    await writeFile(join(dir, file), json);
    return k('apply', ...flags, '-f', join(dir, file));
  };
  const get = async (kind: string, name: string) =>
    JSON.parse(await k('get', kind, name, '-n', NS, '-o', 'json', '--show-managed-fields')) as KubeObject;

  beforeAll(async () => {
    env = await startReconcileEnv({ simulate: false });
    dir = await mkdtemp(join(tmpdir(), 'flotilla-adopt-'));
    const bin = await kubectlPath();
    k = (...args) => kubectl(bin, env.sim.kubeconfigPath, join(dir, 'cache'), args);
    await apply('ns.json', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }));
    // Both objects of each pair start life from the same client-side kubectl apply.
    for (const who of ['agent', 'kubectl']) {
      await apply(`cm-${who}.json`, configMap(`cm-${who}`, { team: 'a', old: 'gone' }, { keep: '1', drop: '2' }));
      await apply(`web-${who}.json`, deployment(`web-${who}`, { KEEP: '1', DROP: '2' }));
    }
  });
  afterAll(async () => {
    await env?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('removes the fields Git no longer has, as kubectl apply --server-side does', async () => {
    const before = await get('configmap', 'cm-agent');
    expect(before.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: 'kubectl-client-side-apply', operation: 'Update' }),
    ]);
    // The reference: the real kubectl's server-side apply of the new version, as manager flotilla.
    const flags = ['--server-side', '--field-manager=flotilla', '--force-conflicts'];
    await apply('cm-kubectl-v2.json', configMap('cm-kubectl', { team: 'a' }, { keep: '1' }), ...flags);
    await apply('web-kubectl-v2.json', deployment('web-kubectl', { KEEP: '1' }), ...flags);
    // The agent: Git holds the same new version.
    const rev = await env.git.commit({
      files: {
        'clusters/edge/ns.yaml': namespace(NS),
        'clusters/edge/cm.yaml': configMap('cm-agent', { team: 'a' }, { keep: '1' }),
        'clusters/edge/web.yaml': deployment('web-agent', { KEEP: '1' }),
      },
      message: 'the new version, without drop/old/DROP',
    });
    await env.startAgent();
    await env.putDesired({ revision: rev, selfHeal: true });
    const [report] = await env.waitSync((r) => r.some((x) => x.state === 'Synced'));
    expect(report!.objects.find((o) => o.name === 'cm-agent')).toMatchObject({
      action: 'configured',
      message: expect.stringContaining('adopted'),
    });

    const cm = await get('configmap', 'cm-agent');
    expect((cm as KubeObject & { data: unknown }).data).toEqual({ keep: '1' });
    expect(cm.metadata.labels?.['old']).toBeUndefined();
    expect(cm.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    expect(shape(cm)).toEqual(shape(await get('configmap', 'cm-kubectl')));

    const web = (await get('deployment', 'web-agent')) as KubeObject & {
      spec: { template: { spec: { containers: Array<{ env: unknown }> } } };
    };
    expect(web.spec.template.spec.containers[0]!.env).toEqual([{ name: 'KEEP', value: '1' }]);
    expect(shape(web)).toEqual(shape(await get('deployment', 'web-kubectl')));
    expect(await env.driftReports()).toEqual([]);
  });
});
