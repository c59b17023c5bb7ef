#!/usr/bin/env node
// kube-sim CLI: `kube-sim --port N --kubeconfig FILE [--state FILE] [--no-simulate] [--name NAME] [--watch-lag-ms N]`.
// Runs until SIGINT/SIGTERM, then saves its state (when --state is given) and exits.
import { parseArgs } from 'node:util';
import { startKubeSim } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    kubeconfig: { type: 'string' },
    state: { type: 'string' },
    name: { type: 'string', default: 'kube-sim' },
    'no-simulate': { type: 'boolean', default: false },
    'sim-delay-ms': { type: 'string' },
    'watch-lag-ms': { type: 'string', default: '0' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`kube-sim: --port must be a port number, got "${values.port}"`);
  process.exit(2);
}
const watchLagMs = Number(values['watch-lag-ms']);
if (!Number.isInteger(watchLagMs) || watchLagMs < 0 || watchLagMs > 600_000) {
  console.error(
    `kube-sim: --watch-lag-ms must be a whole number of milliseconds from 0 to 600000, got "${values['watch-lag-ms']}"`,
  );
  process.exit(2);
}
const sim = await startKubeSim({
  watchLagMs,
  port,
  host: values.host,
  kubeconfigPath: values.kubeconfig,
  stateFile: values.state,
  name: values.name,
  simulate: values['no-simulate'] ? false : values['sim-delay-ms'] ? { delayMs: Number(values['sim-delay-ms']) } : true,
});
console.log(JSON.stringify({ msg: 'kube-sim listening', url: sim.url, kubeconfig: sim.kubeconfigPath }));
const stop = () => {
  sim.close().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`kube-sim: shutdown failed: ${(e as Error).message}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
