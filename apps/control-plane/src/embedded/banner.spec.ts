import { describe, expect, it } from 'vitest';
import { banner, displayPath } from './banner.js';

const info = (home: string) => ({
  base: 'http://localhost:3000',
  adminToken: 'flt_admin_x',
  adminTokenFile: `${home}/secrets/admin-token`,
  natsUrl: 'nats://127.0.0.1:4223',
  repoUrl: 'http://localhost:3001/fleet.git',
  clusters: [{ name: 'canary-1', tags: ['canary'], kubeconfigPath: `${home}/clusters/canary-1.kubeconfig` }],
});

describe('displayPath', () => {
  it('shows a path inside the working folder relative to it', () => {
    expect(displayPath('/srv/flotilla/.flotilla/secrets/admin-token', '/srv/flotilla')).toBe(
      '.flotilla/secrets/admin-token',
    );
  });

  it('shows a path outside the working folder absolute, never with ../', () => {
    expect(displayPath('/tmp/home/secrets/admin-token', '/srv/flotilla')).toBe('/tmp/home/secrets/admin-token');
    expect(displayPath('/srv/other/x', '/srv/flotilla')).toBe('/srv/other/x');
  });

  it('shows the working folder itself absolute rather than as an empty string', () => {
    expect(displayPath('/srv/flotilla', '/srv/flotilla')).toBe('/srv/flotilla');
  });

  it('keeps a sibling whose name starts with the folder name absolute', () => {
    expect(displayPath('/srv/flotilla-data/x', '/srv/flotilla')).toBe('/srv/flotilla-data/x');
  });
});

describe('banner', () => {
  it('prints FLOTILLA_HOME paths outside the checkout as absolute paths', () => {
    const text = banner(info('/tmp/flotilla-home'), '/srv/flotilla');
    expect(text).not.toContain('../');
    expect(text).toContain('(kept in /tmp/flotilla-home/secrets/admin-token,');
    expect(text).toContain('kubectl --kubeconfig /tmp/flotilla-home/clusters/canary-1.kubeconfig -n podinfo');
    expect(text).toContain('$(cat /tmp/flotilla-home/secrets/admin-token)');
  });

  it('prints the default data folder relative to the checkout, as the README does', () => {
    const text = banner(info('/srv/flotilla/.flotilla'), '/srv/flotilla');
    expect(text).toContain('kubectl --kubeconfig .flotilla/clusters/canary-1.kubeconfig -n podinfo');
    expect(text).toContain('(kept in .flotilla/secrets/admin-token,');
  });
});
