import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../core/index.js';
import { messageOf } from '../core/index.js';
import { checkDatabase, openDatabase } from '../data/index.js';
import {
  defaultNativeEngineDir,
  type EngineInfo,
  inspectNativeEngine,
  type NativeEngineStatus,
  projectTfjsCoreDir,
  useBackend,
} from '../models/engine/index.js';

export interface Diagnosis {
  ok: boolean;
  node: string;
  platform: string;
  cpus: number;
  engine: (EngineInfo & { ok: true }) | { ok: false; error: string };
  /** The optional native TensorFlow engine (`rakuten-ml engine install`); never fails the check. */
  nativeEngine: NativeEngineStatus;
  dataDir: { ok: boolean; path: string | null; detail: string };
  database: { ok: boolean; dialect: string; detail: string };
  home: string;
}

const EXPECTED_DATA_FILES = ['X_train.csv', 'Y_train.csv', 'ids_all.csv', path.join('images', 'image_train')];

function inspectDataDir(dataDir: string | undefined): Diagnosis['dataDir'] {
  if (!dataDir) {
    return { ok: false, path: null, detail: 'not found: set RAKUTEN_DATA_DIR or --data-dir (default ../shared/data/rakuten)' };
  }
  const missing = EXPECTED_DATA_FILES.filter((file) => !existsSync(path.join(dataDir, file)));
  return missing.length === 0
    ? { ok: true, path: dataDir, detail: 'challenge files present' }
    : { ok: false, path: dataDir, detail: `missing: ${missing.join(', ')}` };
}

/** Checks what every stage needs: a compute backend, the challenge data, the database. */
export async function diagnoseSetup(config: Config): Promise<Diagnosis> {
  let engine: Diagnosis['engine'];
  try {
    engine = { ...(await useBackend({ preference: config.engine.backend, threads: config.engine.threads })), ok: true };
  } catch (error: unknown) {
    engine = { ok: false, error: messageOf(error) };
  }
  let database: Diagnosis['database'];
  try {
    const db = await openDatabase({ home: config.home, databaseUrl: config.databaseUrl });
    try {
      database = await checkDatabase(db);
    } finally {
      await db.close();
    }
  } catch (error: unknown) {
    database = { ok: false, dialect: config.databaseUrl ? 'postgres' : 'sqlite', detail: messageOf(error) };
  }
  const dataDir = inspectDataDir(config.dataDir);
  return {
    ok: engine.ok && database.ok && dataDir.ok,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    engine,
    nativeEngine: inspectNativeEngine(defaultNativeEngineDir(os.homedir()), projectTfjsCoreDir()),
    dataDir,
    database,
    home: config.home,
  };
}

const mark = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');

/** The human-readable form of a diagnosis, one check per line. */
export function formatDiagnosis(d: Diagnosis): string {
  const engineLine = d.engine.ok
    ? `${mark(true)} backend   ${d.engine.backend} (${d.engine.package}), ${d.engine.threads} thread(s), simd ${d.engine.simd ? 'on' : 'off'}, tfjs ${d.engine.tfjsVersion}\n` +
      `          why: ${d.engine.reason}` +
      (d.engine.addedKernels.length > 0 ? `\n          kernels added: ${d.engine.addedKernels.join(', ')}` : '')
    : `${mark(false)} backend   ${d.engine.error}`;
  return [
    `rakuten-ml doctor — Node ${d.node}, ${d.platform}, ${d.cpus} CPU(s)`,
    engineLine,
    `     native    ${d.nativeEngine.isUsable ? 'installed' : 'not used'}: ${d.nativeEngine.reason}${d.engine.ok && d.engine.tensorflowVersion ? ` (running TensorFlow ${d.engine.tensorflowVersion})` : ''}`,
    `${mark(d.dataDir.ok)} data dir  ${d.dataDir.path ?? '(none)'}: ${d.dataDir.detail}`,
    `${mark(d.database.ok)} database  ${d.database.dialect}: ${d.database.detail}`,
    `     home      ${d.home}`,
  ].join('\n');
}
