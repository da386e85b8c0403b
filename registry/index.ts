/**
 * The registry stage: tracked runs, named models with numbered versions and the `champion` /
 * `challenger` aliases behind a quality gate, bundle storage (a local folder or S3), and an optional
 * MLflow mirror. Every change is recorded in registry_events.
 */

/** Promotes a version to champion behind the weighted-F1 gate, and rolls the champion back. */
export {
  DEFAULT_GATE_MARGIN,
  type GateResult,
  type PromoteInput,
  type PromoteResult,
  promoteVersion,
  type RollbackResult,
  rollbackChampion,
} from './aliases.js';
/** The storage port: a flat, atomic object store; LocalBlobStore keeps objects in a folder. */
export { type BlobStat, type BlobStore, LocalBlobStore } from './blob-store.js';
/**
 * Pushes a version's bundle to the store (files first, COMPLETE marker last) and pulls it back with
 * every sha256 checked. @example await pushVersion({ name: 'rakuten', version: 3 }, { ...deps, store });
 */
export {
  COMPLETE_MARKER,
  type PullResult,
  type PushResult,
  pullVersion,
  pushVersion,
  versionPrefix,
} from './bundle-storage.js';
/** Thrown when a quality gate refuses a promotion; the CLI exits with code 5. */
export { GateFailedError } from './errors.js';
/** A model's audit trail (who changed what, when). */
export { listEvents, type RegistryAction, type RegistryEvent } from './events.js';
/** The commit checked out in a repository, read from .git without the git binary. */
export { currentGitCommit } from './git-commit.js';
/** The MLflow REST client; pass one in `deps.mlflow` to mirror runs, versions and aliases. */
export { MlflowClient, MlflowRequestError } from './mlflow-client.js';
/** What every registry function receives: database, logger, actor, and optionally store, cache and MLflow. */
export type { RegistryDeps } from './registry-deps.js';
/**
 * Turns `rakuten@champion`, `rakuten@3` or a bundle folder into a local bundle folder (pulling it into
 * the cache if needed). @example const { bundleDir } = await resolveModelRef('rakuten@champion', deps);
 */
export { type ModelRef, parseModelRef, type ResolvedModel, resolveModelRef } from './resolve-model.js';
/** Tracked training runs: record one from a TrainResult, list them, read one with its per-epoch metrics. */
export {
  getRun,
  listRuns,
  type ParamValue,
  type RecordRunInput,
  type RunMetricPoint,
  type RunRecord,
  recordFailedRun,
  recordRun,
  runHistory,
} from './runs.js';
/** The S3 implementation of BlobStore (any S3-protocol endpoint; multipart upload for large files). */
export { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.js';
/**
 * Registers a bundle as a model's next version (idempotent by bundle sha256), reads versions and a
 * model's versions/aliases/events. @example await registerVersion({ name: 'rakuten', bundleDir }, deps);
 */
export {
  describeModel,
  findVersion,
  getVersion,
  type ModelAlias,
  type ModelDescription,
  type ModelVersion,
  type RegisterInput,
  type RegisterResult,
  registerVersion,
  type VersionEvaluation,
} from './versions.js';
