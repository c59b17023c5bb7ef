import { MemoryTree } from '@flotilla/gitops';
import { describe, expect, it } from 'vitest';
import { Renderer } from './renderer.js';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - {name: web, image: nginx}
`;

describe('Renderer', () => {
  it('passes on the warnings of a render that built (a patch whose target matched nothing)', async () => {
    const tree = new MemoryTree({
      'app/deploy.yaml': deployment,
      'app/kustomization.yaml': [
        'resources: [deploy.yaml]',
        'patches:',
        '- patch: |-',
        '    - {op: add, path: /spec/replicas, value: 2}',
        '  target: {kind: StatefulSet}',
      ].join('\n'),
    });
    const manifests = await new Renderer('c1').render({ revision: 'r1', tree, fetched: false }, 'app');
    expect(manifests.objects.map((o) => o.metadata.name)).toEqual(['web']);
    expect(manifests.warnings).toEqual([
      'app/kustomization.yaml: patches[0] (app/kustomization.yaml): its target matches no resource',
    ]);
  });

  it('has no warnings for a clean render', async () => {
    const tree = new MemoryTree({ 'app/deploy.yaml': deployment });
    const manifests = await new Renderer('c1').render({ revision: 'r1', tree, fetched: false }, 'app');
    expect(manifests.warnings).toEqual([]);
  });
});
