/**
 * The agent's container image, run: the image docker/oci/build-agent-image.sh builds with buildah
 * (the Dockerfile's final stage, as written) runs its own ENTRYPOINT (the agent's Node options)
 * as uid 10001 under buildah's chroot isolation, registers with a real control plane, goes Online
 * and applies its fleet path to a kube-sim. Not part of `npm test` (the build needs root, buildah
 * and about 12 minutes the first time): `npm run test:images` builds and runs it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startKubeSim } from '@flotilla/kube-sim';
import { scaled, startGitServer } from '@flotilla/testing';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { createRegistrationToken, startHarness } from '../../apps/control-plane/test/support/harness.js';

const IMAGE = process.env['FLOTILLA_AGENT_IMAGE'] ?? 'localhost/flotilla/agent:dev';
const B = ['--storage-driver', 'vfs'];

it(
  'the agent image registers, goes Online and applies its path to kube-sim',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-oci-'));
    chmodSync(dir, 0o755); // read by uid 10001 inside the container
    const git = await startGitServer();
    const head = await git.commit({
      files: {
        'clusters/img-1/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: from-image, namespace: default }\ndata: { a: "1" }\n',
      },
      message: 'a ConfigMap for the image agent',
    });
    const h = await startHarness({
      FLEET_REPO_URL: git.url,
      FLEET_POLL_INTERVAL_SECONDS: '1',
      HEARTBEAT_INTERVAL_SECONDS: '1',
    });
    const sim = await startKubeSim({ name: 'oci', kubeconfigPath: join(dir, 'kubeconfig'), simulate: false });
    chmodSync(join(dir, 'kubeconfig'), 0o644);
    const { token } = await createRegistrationToken(h, { name: 'img', tags: ['edge'] });
    const container = execFileSync('buildah', [...B, 'from', '--pull=never', IMAGE])
      .toString()
      .trim();
    const config = JSON.parse(execFileSync('buildah', [...B, 'inspect', container]).toString()) as {
      OCIv1: { config: { Entrypoint: string[]; User: string } };
    };
    expect(config.OCIv1.config.User).toBe('10001:10001');
    // chroot isolation shares this machine's network: the hub, NATS and kube-sim are on 127.0.0.1.
    const child = spawn(
      'buildah',
      [
        ...B,
        'run',
        '--isolation',
        'chroot',
        '--user',
        config.OCIv1.config.User,
        '-v',
        `${dir}:/cfg:ro`,
        container,
        '--',
        ...config.OCIv1.config.Entrypoint,
        '--server',
        h.cp.url,
        '--token',
        token,
        '--name',
        'img-1',
        '--kubeconfig',
        '/cfg/kubeconfig',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    child.stdout.on('data', (b: Buffer) => (log += b.toString()));
    child.stderr.on('data', (b: Buffer) => (log += b.toString()));
    try {
      await eventually(
        async () => {
          const c = (await h.gql('{ cluster(name: "img-1") { connection sync { appliedRevision } } }')).data?.cluster;
          return c?.connection === 'ONLINE' && c.sync?.appliedRevision === head ? c : undefined;
        },
        120_000,
        `the image's agent Online and Synced (log: ${log.slice(-3000)})`,
      );
      expect(sim.api.store.get('configmaps', 'default', 'from-image')).toBeDefined();
      expect(log).toContain('"path":"/var/lib/flotilla/credential.json"');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      execFileSync('buildah', [...B, 'rm', container]);
      await sim.close();
      await h.close();
      await git.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
  scaled(300_000),
);
