import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configMap, webApp } from './support/manifests.js';
import { commitSymlink } from './support/git-symlink.js';
import { startReconcileEnv, type ReconcileEnv } from './support/reconcile-env.js';

const bomb = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
].join('\n');
const cm = (name: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: web\n${extra}data:\n  k: v\n`;

/** Each case: files added on top of the good state, the file the error must name, the code expected. */
const CASES: Array<{ name: string; files: Record<string, string>; file: string; code: string; stage?: string }> = [
  {
    name: 'invalid YAML',
    files: { 'clusters/edge/bad.yaml': 'apiVersion: v1\nkind: [unclosed\n' },
    file: 'clusters/edge/bad.yaml',
    code: 'INVALID_YAML',
  },
  {
    name: 'an alias bomb',
    files: { 'clusters/edge/bomb.yaml': bomb },
    file: 'clusters/edge/bomb.yaml',
    code: 'ALIAS_LIMIT',
  },
  {
    name: 'a file over the size cap',
    files: { 'clusters/edge/huge.yaml': `# ${'x'.repeat(4 * 1024 * 1024)}\n${cm('huge')}` },
    file: 'clusters/edge/huge.yaml',
    code: 'FILE_TOO_LARGE',
  },
  {
    name: 'more documents than the cap',
    files: { 'clusters/edge/many.yaml': Array.from({ length: 1001 }, (_, i) => cm(`many-${i}`)).join('---\n') },
    file: 'clusters/edge/many.yaml',
    code: 'TOO_MANY_DOCUMENTS',
  },
  {
    name: 'a duplicate object',
    files: { 'clusters/edge/dup.yaml': configMap('web', 'web-config') },
    file: 'clusters/edge/dup.yaml',
    code: 'DUPLICATE_OBJECT',
  },
  {
    name: 'an object without apiVersion',
    files: { 'clusters/edge/noapi.yaml': 'kind: ConfigMap\nmetadata:\n  name: x\n  namespace: web\n' },
    file: 'clusters/edge/noapi.yaml',
    code: 'INVALID_OBJECT',
  },
  {
    name: 'an object without kind',
    files: { 'clusters/edge/nokind.yaml': 'apiVersion: v1\nmetadata:\n  name: x\n  namespace: web\n' },
    file: 'clusters/edge/nokind.yaml',
    code: 'INVALID_OBJECT',
  },
  {
    name: 'an object without name',
    files: { 'clusters/edge/noname.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: web\n' },
    file: 'clusters/edge/noname.yaml',
    code: 'INVALID_OBJECT',
  },
  {
    name: 'an unknown kind',
    files: {
      'clusters/edge/widget.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: web\n',
    },
    file: 'clusters/edge/widget.yaml',
    code: 'UNKNOWN_KIND',
    stage: 'plan',
  },
  {
    name: 'a missing namespace',
    files: { 'clusters/edge/lost.yaml': configMap('nowhere', 'lost') },
    file: 'clusters/edge/lost.yaml',
    code: 'MISSING_NAMESPACE',
    stage: 'plan',
  },
  {
    name: 'a resource escaping the repo with ..',
    files: { 'clusters/edge/kustomization.yaml': 'resources:\n  - ../../../outside\n' },
    file: 'clusters/edge/kustomization.yaml',
    code: 'PATH_ESCAPE',
  },
  {
    name: 'an absolute resource path',
    files: { 'clusters/edge/kustomization.yaml': 'resources:\n  - /etc/passwd\n' },
    file: 'clusters/edge/kustomization.yaml',
    code: 'PATH_ESCAPE',
  },
];

describe('bad input: reported naming the file, nothing from that revision applied, last good state kept', () => {
  let env: ReconcileEnv;
  let good: string;
  let previous: string[] = [];
  beforeAll(async () => {
    env = await startReconcileEnv();
    good = await env.git.commit({ files: webApp(), message: 'good' });
    await env.startAgent();
    await env.putDesired({ revision: good });
    await env.waitSync((r) => r.some((x) => x.revision === good && x.state === 'Synced'));
  });
  afterAll(async () => {
    await env?.close();
  });

  async function expectRefused(rev: string, file: string, code: string, stage: string) {
    await env.putDesired({ revision: rev });
    const reports = await env.waitSync((r) => r.some((x) => x.revision === rev));
    const report = reports.find((x) => x.revision === rev)!;
    expect(report).toMatchObject({ state: 'Failed', appliedRevision: good, objects: [], error: { stage, code, file } });
    expect(env.sim.api.store.get('configmaps', 'web', 'canary')).toBeUndefined();
    expect(env.sim.api.store.get('configmaps', 'web', 'web-config')).toBeDefined();
  }

  for (const c of CASES) {
    it(`refuses ${c.name}`, async () => {
      const files: Record<string, string | null> = Object.fromEntries(previous.map((p) => [p, null]));
      Object.assign(files, c.files, { 'clusters/edge/canary.yaml': configMap('web', 'canary') });
      previous = Object.keys(c.files);
      const rev = await env.git.commit({ files, message: c.name });
      await expectRefused(rev, c.file, c.code, c.stage ?? 'render');
    });
  }

  it('refuses a symlink', async () => {
    await env.git.commit({
      files: {
        ...Object.fromEntries(previous.map((p) => [p, null])),
        'clusters/edge/canary.yaml': configMap('web', 'canary'),
      },
      message: 'clean',
    });
    previous = [];
    const rev = await commitSymlink(env.git.repoPath, 'clusters/edge/link.yaml', '../../etc/passwd');
    await expectRefused(rev, 'clusters/edge/link.yaml', 'SYMLINK', 'render');
  });
});
