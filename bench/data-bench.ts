/**
 * npm run bench:data — throughput of the data stage on the shared sample, in a temp home on SQLite
 * (or PostgreSQL when BENCH_DATABASE_URL is set): rows/s for import and for clean, images/s for the
 * resize to 64 and 128 px. Written to reports/bench/data.json and printed as a table.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, silentLogger } from '../core/index.js';
import { cleanProducts, importProducts, openDatabase, prepareImages, splitProducts } from '../data/index.js';

const config = loadConfig(process.env);
if (config.dataDir === undefined)
  throw new Error('Set RAKUTEN_DATA_DIR to the folder with the challenge files.');
const dataDir = config.dataDir;
const home = await mkdtemp(path.join(os.tmpdir(), 'rakuten-bench-'));
const databaseUrl = process.env.BENCH_DATABASE_URL;
const db = await openDatabase({ home, databaseUrl });
const deps = { db, log: silentLogger() };

try {
  const imported = await importProducts(
    {
      textFiles: [
        {
          xPath: path.join(dataDir, 'X_train.csv'),
          yPath: path.join(dataDir, 'Y_train.csv'),
          source: 'challenge',
        },
        {
          xPath: path.join(dataDir, 'X_train_titles.csv'),
          yPath: path.join(dataDir, 'Y_train_titles.csv'),
          source: 'challenge_titles',
        },
      ],
      imageDir: path.join(dataDir, 'images', 'image_train'),
      idsPath: path.join(dataDir, 'ids_all.csv'),
    },
    deps,
  );
  const cleaned = await cleanProducts({}, deps);
  const images = await prepareImages({ cacheDir: path.join(home, 'images'), sizesPx: [64, 128] }, deps);
  const split = await splitProducts({ seed: 42, manifestDir: path.join(home, 'splits') }, deps);
  const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000 * 10) / 10;
  const rows = [
    { step: 'import (csv + image hashes)', items: imported.imported, unit: 'rows', ms: imported.durationMs },
    { step: 'clean (html, entities, nfc)', items: cleaned.cleaned, unit: 'rows', ms: cleaned.durationMs },
    {
      step: 'import + clean',
      items: imported.imported,
      unit: 'rows',
      ms: imported.durationMs + cleaned.durationMs,
    },
    { step: 'resize to 64 + 128 px png', items: images.sourceImages, unit: 'images', ms: images.durationMs },
    {
      step: 'split (stratified, hashed)',
      items: split.manifest.counts.train.total,
      unit: 'rows',
      ms: split.durationMs,
    },
  ].map((r) => ({ ...r, perSecond: perSecond(r.items, r.ms) }));
  const report = {
    measuredAt: new Date().toISOString(),
    database: db.dialect,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    results: rows,
  };
  await mkdir('reports/bench', { recursive: true });
  await writeFile('reports/bench/data.json', `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    `data stage on ${report.database}, ${report.cpus} CPUs (${report.cpuModel}), node ${report.node}\n`,
  );
  console.log(
    `${'step'.padEnd(30)} ${'items'.padStart(7)} ${'seconds'.padStart(8)} ${'per second'.padStart(14)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.step.padEnd(30)} ${String(r.items).padStart(7)} ${(r.ms / 1000).toFixed(2).padStart(8)} ${`${r.perSecond} ${r.unit}/s`.padStart(14)}`,
    );
  }
  console.log('\nwritten reports/bench/data.json');
} finally {
  await db.close();
  await rm(home, { recursive: true, force: true });
}
