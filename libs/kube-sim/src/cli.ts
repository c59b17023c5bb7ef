#!/usr/bin/env node
// kube-sim CLI: `kube-sim --port N --kubeconfig FILE [--state FILE] [--no-simulate] [--name NAME]
//   [--nodes N] [--node-provider aws] [--node-region R] [--node-zone Z] [--kubelet-version V] [--watch-lag-ms N]
//   [--keep-empty] [--deny Kind[/name]]... [--inject-sidecar IMAGE]
//   [--token-file FILE --token-rotate-seconds N] [--watch-close-after-ms N --watch-close-with end|bookmark|gone]
//   [--watch-gone-as event|status] [--unavailable-api GROUP/VERSION]... [--crd-serve-delay-ms N]`
//   [--writer hpa|cainjector|deploymentController|rolloutRestart[=INTERVAL_MS]]... [--writers-time-scale N]`
//   and the fault flags of faults/cli.ts.
// Runs until SIGINT/SIGTERM, then saves its state (when --state is given) and exits; SIGUSR2 turns
// the black hole on and off.
import { parseArgs } from 'node:util';
import { injectSidecar } from './admission.js';
import { FAULT_OPTIONS, faultsFromFlags, type FaultSettings } from './faults/cli.js';
import { startKubeSim } from './server.js';
import { faultOptions } from './cli-faults.js';
import { parseWriterFlags } from './writers/cli-flags.js';

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
    'keep-empty': { type: 'boolean', default: false },
    deny: { type: 'string', multiple: true, default: [] },
    'inject-sidecar': { type: 'string' },
    writer: { type: 'string', multiple: true, default: [] },
    'writers-time-scale': { type: 'string', default: '1' },
    nodes: { type: 'string', default: '1' },
    'node-provider': { type: 'string' },
    'node-region': { type: 'string' },
    'node-zone': { type: 'string' },
    'kubelet-version': { type: 'string' },
    'token-file': { type: 'string' },
    'token-rotate-seconds': { type: 'string' },
    'watch-close-after-ms': { type: 'string' },
    'watch-close-with': { type: 'string' },
    'watch-gone-as': { type: 'string' },
    'unavailable-api': { type: 'string', multiple: true, default: [] },
    'crd-serve-delay-ms': { type: 'string' },
    ...FAULT_OPTIONS,
  },
});
let faultModes: ReturnType<typeof faultOptions>;
let faults: FaultSettings;
try {
  faultModes = faultOptions(values);
  faults = faultsFromFlags(values);
} catch (e) {
  console.error(`kube-sim: ${(e as Error).message}`);
  process.exit(2);
}
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
const nodeCount = Number(values.nodes);
if (!Number.isInteger(nodeCount) || nodeCount < 0 || nodeCount > 10_000) {
  console.error(`kube-sim: --nodes must be a whole number from 0 to 10000, got "${values.nodes}"`);
  process.exit(2);
}
let writers;
try {
  writers = parseWriterFlags(values.writer, values['writers-time-scale']);
} catch (e) {
  console.error(`kube-sim: ${(e as Error).message}`);
  process.exit(2);
}
const sim = await startKubeSim({
  ...faultModes,
  faults,
  writers,
  watchLagMs,
  omitEmpty: !values['keep-empty'],
  port,
  host: values.host,
  kubeconfigPath: values.kubeconfig,
  stateFile: values.state,
  name: values.name,
  nodes: {
    count: nodeCount,
    ...(values['node-provider'] ? { provider: values['node-provider'] } : {}),
    ...(values['node-region'] !== undefined ? { region: values['node-region'] } : {}),
    ...(values['node-zone'] ? { zone: values['node-zone'] } : {}),
    ...(values['kubelet-version'] ? { kubeletVersion: values['kubelet-version'] } : {}),
  },
  simulate: values['no-simulate'] ? false : values['sim-delay-ms'] ? { delayMs: Number(values['sim-delay-ms']) } : true,
});
// --deny Kind[/name]: a validating webhook refusing that kind (or that one object) on create and update.
for (const rule of values.deny) {
  const [kind, name, extra] = rule.split('/');
  if (!kind || extra !== undefined || name === '') {
    console.error(`kube-sim: --deny takes Kind or Kind/name, got "${rule}"`);
    await sim.close();
    process.exit(2);
  }
  sim.api.admission.validating.push({
    name: 'deny.kube-sim.local',
    kinds: [kind],
    ...(name ? { names: [name] } : {}),
    message: `${rule} is not allowed here`,
  });
}
// --inject-sidecar IMAGE: a mutating webhook adding a `sidecar` container to every pod template.
if (values['inject-sidecar'])
  sim.api.admission.mutating.push({
    name: 'sidecar.kube-sim.local',
    kinds: ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'],
    mutate: injectSidecar({ name: 'sidecar', image: values['inject-sidecar'] }),
  });
let blackHole = values['black-hole'];
sim.setBlackHole(blackHole);
process.on('SIGUSR2', () => sim.setBlackHole((blackHole = !blackHole)));
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
