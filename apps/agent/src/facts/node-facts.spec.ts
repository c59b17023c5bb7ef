import { describe, expect, it } from 'vitest';
import { factsFromNodes, oldestVersion, providerOf, regionOf, type NodeLike } from './node-facts.js';

const node = (o: { providerID?: string; labels?: Record<string, string>; kubelet?: string } = {}): NodeLike => ({
  metadata: { labels: o.labels ?? {} },
  spec: o.providerID ? { providerID: o.providerID } : {},
  status: o.kubelet ? { nodeInfo: { kubeletVersion: o.kubelet } } : {},
});

describe('providerOf', () => {
  it.each([
    ['aws:///eu-west-1a/i-0123456789abcdef0', 'aws'],
    ['gce://my-project/europe-west1-b/gke-pool-1-abcd', 'gce'],
    ['azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-0', 'azure'],
    ['kind://docker/kind/kind-control-plane', 'kind'],
    ['DigitalOcean://12345', 'digitalocean'],
    ['k3s://node-1', 'k3s'],
  ])('reads the provider from the providerID scheme of %s', (id, provider) => {
    expect(providerOf(id)).toBe(provider);
  });

  it('knows nothing from a missing or scheme-less providerID', () => {
    expect(providerOf(undefined)).toBeUndefined();
    expect(providerOf('')).toBeUndefined();
    expect(providerOf('i-0123456789abcdef0')).toBeUndefined();
    expect(providerOf(`${'x'.repeat(65)}://too-long`)).toBeUndefined();
  });
});

describe('regionOf', () => {
  it('prefers topology.kubernetes.io/region, then the deprecated failure-domain label', () => {
    expect(
      regionOf({ 'topology.kubernetes.io/region': 'eu-west-1', 'failure-domain.beta.kubernetes.io/region': 'old' }),
    ).toBe('eu-west-1');
    expect(regionOf({ 'failure-domain.beta.kubernetes.io/region': 'us-central1' })).toBe('us-central1');
  });

  it('falls back to the zone label when a node has no region label', () => {
    expect(regionOf({ 'topology.kubernetes.io/zone': 'edge-site-7' })).toBe('edge-site-7');
  });

  it('knows nothing from unlabelled nodes or empty values', () => {
    expect(regionOf(undefined)).toBeUndefined();
    expect(regionOf({ 'topology.kubernetes.io/region': '  ' })).toBeUndefined();
  });
});

describe('oldestVersion', () => {
  it('takes the oldest kubelet version, comparing numerically', () => {
    expect(oldestVersion(['v1.33.2', 'v1.9.0', 'v1.33.10'])).toBe('v1.9.0');
    expect(oldestVersion(['v1.33.10', 'v1.33.2'])).toBe('v1.33.2');
    expect(oldestVersion(['v1.30.4-eks-1234', 'v1.31.0'])).toBe('v1.30.4-eks-1234');
  });

  it('skips what is not a version', () => {
    expect(oldestVersion([undefined, 'latest', 'v1.29.1'])).toBe('v1.29.1');
    expect(oldestVersion([])).toBeUndefined();
  });
});

describe('factsFromNodes', () => {
  it('counts the nodes and takes provider and region most nodes share, and the oldest kubelet', () => {
    const facts = factsFromNodes([
      node({
        providerID: 'aws:///eu-west-1a/i-1',
        labels: { 'topology.kubernetes.io/region': 'eu-west-1' },
        kubelet: 'v1.33.1',
      }),
      node({
        providerID: 'aws:///eu-west-1b/i-2',
        labels: { 'topology.kubernetes.io/region': 'eu-west-1' },
        kubelet: 'v1.32.5',
      }),
      node({ providerID: 'gce://p/z/n', labels: { 'topology.kubernetes.io/region': 'us-east1' }, kubelet: 'v1.33.1' }),
    ]);
    expect(facts).toEqual({ nodeCount: 3, provider: 'aws', region: 'eu-west-1', kubeVersion: 'v1.32.5' });
  });

  it('reports only the node count when the nodes say nothing else (bare metal without labels)', () => {
    expect(factsFromNodes([node(), node()])).toEqual({ nodeCount: 2 });
  });

  it('reports zero nodes for a cluster without Nodes', () => {
    expect(factsFromNodes([])).toEqual({ nodeCount: 0 });
  });
});
