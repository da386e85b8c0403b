import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { joinProductText, readChallengeCsvRows, type SplitRow } from './serve-data.js';
import { writeBundle } from '../../models/bundle.js';
import { LABELS } from '../../models/classifiers/classifier.js';
import { createCnnTrainer } from '../../models/classifiers/cnn.js';
import { trainLateFusion } from '../../models/classifiers/late-fusion.js';
import { trainTfidf } from '../../models/classifiers/tfidf.js';
import type { TrainerOptions } from '../../models/classifiers/trainer.js';
import { useBackend } from '../../models/engine/index.js';
import { loadRealSampleRows } from '../../models/image/real-sample.js';
import { loadClassifier } from '../../models/load-classifier.js';
import { type Database, openDatabase } from '../../data/index.js';
import { sharedDataDir } from './shared-data.js';

const OPTIONS: TrainerOptions = {
  epochs: 2,
  batchSize: 8,
  learningRate: 0.5,
  seed: 7,
  patience: 5,
  useClassWeights: false,
  vocabularySize: 1000,
  sequenceLength: 16,
  imageSizePx: 32,
};

/** Real tiny bundles: a TF-IDF text model, a tiny CNN image model, and their late fusion. */
export interface ServeFixture {
  dir: string;
  textBundle: string;
  imageBundle: string;
  fusionBundle: string;
  /** A real product photo (JPEG) from the challenge images. */
  jpeg: Buffer;
  /** Real product texts with their labels. */
  texts: { designation: string; description: string; prdtypecode: number }[];
  cleanup(): void;
}

/**
 * Trains nothing big: TF-IDF on ~60 real rows of X_train.csv, a 2-block CNN for 1 epoch on 18 real
 * photos at 32 px, and a late fusion of the two (even weight); each written as a real bundle.
 */
export async function buildServeFixture(): Promise<ServeFixture> {
  const dataDir = sharedDataDir();
  const dir = mkdtempSync(path.join(tmpdir(), 'rakuten-serve-'));
  await useBackend({ preference: 'wasm' });
  const texts = await readChallengeCsvRows(dataDir, 60);
  const textRows: SplitRow[] = texts.map((t, i) => ({
    productid: i + 1,
    label: t.prdtypecode,
    text: joinProductText(t.designation, t.description),
    imagePath: null,
  }));
  const tfidf = await trainTfidf({ train: textRows, validation: textRows.slice(0, 10) }, OPTIONS);
  const textBundle = path.join(dir, 'tfidf');
  await writeBundle(textBundle, { kind: 'tfidf', files: tfidf.files, metadata: { settings: tfidf.settings, temperature: 1 } });
  tfidf.classifier.dispose();

  const imageRows = await loadRealSampleRows({ dataDir, labels: LABELS.slice(0, 3), withBoth: 0, imageOnly: 6, textOnly: 0 });
  const cnn = await createCnnTrainer({ blockFilters: [4, 8], denseUnits: 16, dropoutRate: 0.2 })(
    { train: imageRows, validation: imageRows.slice(0, 6) },
    { ...OPTIONS, epochs: 1, learningRate: 0.002 },
  );
  const imageBundle = path.join(dir, 'cnn');
  await writeBundle(imageBundle, { kind: 'cnn', files: cnn.files, metadata: { settings: cnn.settings, temperature: 1 } });
  cnn.classifier.dispose();

  const fusion = await trainLateFusion(
    { train: [], validation: [] },
    { ...OPTIONS, componentBundles: { text: textBundle, image: imageBundle }, loadComponent: loadClassifier },
  );
  const fusionBundle = path.join(dir, 'late-fusion');
  await writeBundle(fusionBundle, { kind: 'late-fusion', files: fusion.files, metadata: { settings: fusion.settings, temperature: 1 } });
  fusion.classifier.dispose();

  const firstImage = imageRows[0]?.imagePath;
  if (!firstImage) throw new Error('no real image found for the serve fixture');
  return {
    dir,
    textBundle,
    imageBundle,
    fusionBundle,
    jpeg: readFileSync(firstImage),
    texts,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Only the TF-IDF text model (seconds to build): for tests about the HTTP layer, not about models. */
export async function buildTextServeFixture(): Promise<{ dir: string; textBundle: string; cleanup(): void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rakuten-serve-text-'));
  await useBackend({ preference: 'wasm' });
  const texts = await readChallengeCsvRows(sharedDataDir(), 60);
  const rows: SplitRow[] = texts.map((t, i) => ({ productid: i + 1, label: t.prdtypecode, text: joinProductText(t.designation, t.description), imagePath: null }));
  const tfidf = await trainTfidf({ train: rows, validation: rows.slice(0, 10) }, OPTIONS);
  const textBundle = path.join(dir, 'tfidf');
  await writeBundle(textBundle, { kind: 'tfidf', files: tfidf.files, metadata: { settings: tfidf.settings, temperature: 1 } });
  tfidf.classifier.dispose();
  return { dir, textBundle, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A database to serve from: SQLite in a temp home, or a fresh PostgreSQL database dropped afterwards. */
export interface ServeDatabase {
  db: Database;
  home: string;
  close(): Promise<void>;
}

export async function openSqliteServeDatabase(): Promise<ServeDatabase> {
  const home = mkdtempSync(path.join(tmpdir(), 'rakuten-serve-home-'));
  const db = await openDatabase({ home });
  return {
    db,
    home,
    close: async () => {
      await db.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function openPostgresServeDatabase(adminUrl: string): Promise<ServeDatabase> {
  const name = `rakuten_serve_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(query);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const home = mkdtempSync(path.join(tmpdir(), 'rakuten-serve-pghome-'));
  const db = await openDatabase({ home, databaseUrl: url.toString() });
  return {
    db,
    home,
    close: async () => {
      await db.close();
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
