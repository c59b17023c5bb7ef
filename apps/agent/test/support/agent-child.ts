/**
 * The reconcile runtime as a separate process (tests kill it with SIGKILL mid-apply; the benchmark
 * measures its RSS). Settings come as JSON in FLOTILLA_TEST_AGENT; it prints "ready" and, on
 * "rss" over stdin, its resident set size in bytes.
 */
import { pino } from 'pino';
import { startReconciling } from '../../src/reconcile/runtime.js';
import { NatsTransport } from '../../src/transport/nats-transport.js';

interface ChildSettings {
  clusterId: string;
  stateDir: string;
  kubeconfig: string;
  natsUrl: string;
  jwt: string;
  seed: string;
  inboxPrefix: string;
  resyncSeconds?: number;
}

const s = JSON.parse(process.env['FLOTILLA_TEST_AGENT'] ?? '{}') as ChildSettings;
const logger = pino({ level: process.env['AGENT_TEST_LOG'] ?? 'silent' }, pino.destination(2));
const transport = new NatsTransport({
  url: s.natsUrl,
  jwt: () => s.jwt,
  seed: s.seed,
  inboxPrefix: s.inboxPrefix,
  name: `agent ${s.clusterId}`,
  logger,
  backoff: { initialMs: 50, maxMs: 300 },
});
transport.start();
const runtime = await startReconciling({
  clusterId: s.clusterId,
  stateDir: s.stateDir,
  kubeconfig: s.kubeconfig,
  transport,
  logger,
  resyncSeconds: s.resyncSeconds ?? 3600,
  healthTimeoutSeconds: 5,
});
process.stdout.write('ready\n');
process.stdin.setEncoding('utf8');
process.stdin.on('data', (line: string) => {
  for (const cmd of line.split('\n')) {
    if (cmd === 'resync') {
      const started = performance.now();
      const before = runtime.client.requests;
      void runtime.loop
        .trigger('resync asked')
        .then(() =>
          process.stdout.write(
            `resync ${(performance.now() - started).toFixed(1)} requests ${runtime.client.requests - before}\n`,
          ),
        );
    }
    if (cmd === 'rss') {
      global.gc?.();
      process.stdout.write(
        `rss ${process.memoryUsage().rss} passes ${runtime.loop.passes} live ${runtime.live.size}\n`,
      );
    }
  }
});
process.once('SIGTERM', () => {
  void runtime
    .stop()
    .then(() => transport.stop())
    .then(() => process.exit(0));
});
