/** The compute engine: backend choice and the wasm gradient kernels that make training possible. */
export { type BackendName, type BackendOptions, type EngineInfo, useBackend } from './backend.js';
export { FusedLstm, type FusedLstmLayerArgs, fusedLstm } from './fused-lstm.js';
export { assertKernelsNative, type KernelUsage } from './kernel-guard.js';
export {
  bindingPath,
  defaultNativeEngineDir,
  type EngineStamp,
  inspectNativeEngine,
  LINKED_TFJS_PACKAGES,
  linksPointTo,
  NATIVE_VARIANTS,
  type NativeEngineStatus,
  type NativeVariant,
  nativePackageDir,
  projectTfjsCoreDir,
  readStamp,
  STAMP_FILE,
  TFJS_NODE_VERSION,
  variantDir,
} from './native-engine.js';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-kernels/index.js';
