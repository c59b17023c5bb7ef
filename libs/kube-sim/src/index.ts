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
export {
  Writers,
  WRITER_NAMES,
  DEFAULT_INTERVALS,
  type WriterName,
  type WritersOptions,
  type WriterSettings,
} from './writers/writer.js';
export { HPA_MANAGER } from './writers/hpa.js';
export { CAINJECTOR_MANAGER, INJECT_ANNOTATIONS } from './writers/cainjector.js';
export { DEPLOYMENT_CONTROLLER_MANAGER, REVISION_ANNOTATION } from './writers/deployment-controller.js';
export { ROLLOUT_MANAGER, RESTARTED_AT_ANNOTATION } from './writers/rollout-restart.js';
export {
  CLIENT_SIDE_APPLY_MANAGER,
  LAST_APPLIED_ANNOTATION,
  seedClientSideApply,
} from './writers/client-side-apply.js';
