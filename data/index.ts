/** The data stage: the product database and import -> clean -> images -> split. */

/** The 27 product types (code -> community name), embedded so a database seeds without the data folder. */
export { CATEGORIES } from './categories.js';
/** Cleans one seller string / joins title + description into the one text field the models read. */
export { cleanText, joinProductText } from './clean-text.js';
/** `rakuten-ml data clean`: writes cleaned_text for text rows not cleaned yet. */
export { type CleanInput, type CleanResult, cleanProducts } from './clean-products.js';
/** The dialect-neutral database port every stage queries through. */
export type { Database, Dialect } from './db/database.js';
/**
 * Opens SQLite under home (or PostgreSQL with databaseUrl), migrates, seeds categories; and the
 * doctor's health check. @example const db = await openDatabase({ home: config.home, databaseUrl: config.databaseUrl });
 */
export {
  checkDatabase,
  type DatabaseCheck,
  type OpenDatabaseOptions,
  openDatabase,
} from './db/open-database.js';
/** `rakuten-ml data import`: the official CSVs and images into the database, idempotent. */
export {
  type ImportInput,
  type ImportResult,
  importProducts,
  type ProductSource,
  type RejectedItem,
  type RejectReason,
  type TextFilePair,
} from './import-products.js';
/** Streams a products CSV (official X format) in chunks: cleaned text and the photo found by name. */
export {
  countCsvRecords,
  type ProductFileRow,
  readIndexColumn,
  readLabelFile,
  readProductFile,
  type ReadProductFileOptions,
} from './product-file.js';
/** Whether image bytes are usable (type from the signature, completeness, sha256): `data import` and the API share it. */
export { type ImageInspection, type ImageType, inspectImageBytes } from './inspect-image.js';
/** The rows of one split for training: label, cleaned text, cached image path. */
export { type LoadSplitOptions, loadSplit, type SplitRow } from './load-split.js';
/** `rakuten-ml data images`: the square image cache at the sizes the models read. */
export {
  type PrepareImagesInput,
  type PrepareImagesResult,
  prepareImages,
  type RejectedImage,
} from './resize-images.js';
/** `rakuten-ml data split`: deterministic stratified train/validation/test with a manifest. */
export {
  currentSplitManifest,
  SPLIT_NAMES,
  type SplitInput,
  type SplitManifest,
  type SplitName,
  type SplitResult,
  splitProducts,
} from './split.js';
/** Dependencies every stage function takes: database, logger, progress listener. */
export type { StageDeps } from './stage-deps.js';
