// libs/kube-sim: a Kubernetes API server emulator over HTTP for tests, benchmarks and the
// demo — discovery, CRUD, server-side apply with managedFields, patches, watches, CRDs,
// deletion semantics and simulated workload status, checked against the real kubectl.
export { startKubeSim, type KubeSim, type KubeSimOptions, type NodeSeed } from './server.js';
export type { SimulationSettings } from './simulate.js';
export { KubeError } from './errors.js';
export type { ResourceType } from './resources.js';
export { serviceAccountIdentity, type Identity, type RbacOptions } from './rbac.js';
export {
  injectSidecar,
  setAnnotation,
  type AdmissionMatch,
  type MutatingRule,
  type ValidatingRule,
} from './admission.js';
export { TokenRotation, type TokenRotationOptions } from './token-rotation.js';
export { WatchCloseWith, WatchGoneAs, type WatchFaults } from './watch-faults.js';
export type { DiscoveryFaultOptions } from './discovery-faults.js';
export type { FaultSettings, Rate, Verb } from './faults/settings.js';
