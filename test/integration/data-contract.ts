import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, silentLogger } from '../../core/index.js';
import {
  CATEGORIES,
  checkDatabase,
  cleanProducts,
  type Database,
  type ImportInput,
  importProducts,
  loadSplit,
  prepareImages,
  SPLIT_NAMES,
  splitProducts,
} from '../../data/index.js';
import { copySomeImages, headOfCsv, makeTempDir, RED_PIXEL_PNG } from './data-fixtures.js';

/** Opens a fresh, empty database each call; `cleanup` drops whatever the backend created. */
export interface DatabaseFactory {
  open: (home: string) => Promise<Database>;
  cleanup: () => Promise<void>;
}

export interface ContractOptions {
  dataDir: string;
  /** Resize every shared image (slow) or a copy of this many. */
  imageSubset?: number;
}

const TABLES = [
  'categories',
  'experiments',
  'image_variants',
  'model_aliases',
  'model_versions',
  'prediction_logs',
  'products',
  'registered_models',
  'registry_events',
  'run_metrics',
  'runs',
  'seller_feedback',
  'split_manifests',
  'users',
];

async function count(db: Database, where = sql`1 = 1`): Promise<number> {
  const [row] = await db.all<{ n: number }>(
    sql`SELECT CAST(count(*) AS INTEGER) AS n FROM products WHERE ${where}`,
  );
  return row?.n ?? -1;
}

async function fingerprint(db: Database): Promise<string> {
  const rows = await db.all(sql`SELECT productid, prdtypecode, source, designation, description, image_sha256,
    image_error, cleaned_text, split, updated_at FROM products ORDER BY productid`);
  return JSON.stringify(rows);
}

async function expectInputError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  const appError = error as AppError;
  expect(appError.code).toBe(code);
  expect(appError.hint).toBeTruthy();
  return appError;
}

/** One behaviour contract for the data stage, run against every database backend. */
export function dataStageContract(
  name: string,
  factory: () => DatabaseFactory,
  options: ContractOptions,
): void {
  describe(`data stage on ${name}`, () => {
    const deps = { log: silentLogger() };
    const x = path.join(options.dataDir, 'X_train.csv');
    const y = path.join(options.dataDir, 'Y_train.csv');
    const ids = path.join(options.dataDir, 'ids_all.csv');
    let backend: DatabaseFactory;
    let home: string;
    let db: Database;
    let imageDir: string;
    let imageCount: number;

    beforeAll(async () => {
      backend = factory();
      home = makeTempDir('home');
      imageDir =
        options.imageSubset === undefined
          ? path.join(options.dataDir, 'images', 'image_train')
          : copySomeImages(path.join(options.dataDir, 'images', 'image_train'), options.imageSubset, home);
      imageCount = readdirSync(imageDir).length;
      db = await backend.open(home);
    });
    afterAll(async () => {
      await db?.close();
      await backend?.cleanup();
    });

    const fullInput = (): ImportInput => ({
      textFiles: [{ xPath: x, yPath: y, source: 'challenge' }],
      imageDir,
      idsPath: ids,
    });

    it('migrates every table and seeds the 27 categories', async () => {
      const tables =
        db.dialect === 'sqlite'
          ? await db.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table'`)
          : await db.all<{ name: string }>(
              sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`,
            );
      // Drizzle's own __drizzle_migrations (and SQLite's internal tables) are not ours.
      const ours = tables.map((t) => t.name).filter((n) => !n.startsWith('__') && !n.startsWith('sqlite_'));
      expect(ours.sort()).toEqual(TABLES);
      const categories = await db.all<{ code: number; name: string }>(
        sql`SELECT code, name FROM categories ORDER BY code`,
      );
      expect(categories).toEqual([...CATEGORIES]);
      expect(await checkDatabase(db)).toMatchObject({ ok: true, dialect: db.dialect });
    });

    it('imports the real files: every text row, every image, idempotently', async () => {
      const progress: number[] = [];
      const first = await importProducts(fullInput(), {
        ...deps,
        db,
        onProgress: (p) => progress.push(p.done),
      });
      expect(first.rejected).toEqual([]);
      expect(first.textRows).toBe(4970);
      expect(first.withImage).toBe(imageCount);
      expect(first.imported).toBe(4970 + first.imageOnlyRows);
      expect(progress.at(-1)).toBe(first.imported);
      expect(await count(db, sql`designation IS NOT NULL`)).toBe(4970);
      expect(await count(db, sql`image_sha256 IS NOT NULL AND image_error IS NULL`)).toBe(imageCount);
      if (options.imageSubset === undefined) {
        expect(imageCount).toBe(1319);
        expect(await count(db, sql`designation IS NOT NULL AND image_sha256 IS NOT NULL`)).toBe(252);
        expect(first.imageOnlyRows).toBe(1067);
      }
      // Quoted HTML, an empty description read as missing, and a 10-digit productid survive the round trip.
      const [row] = await db.all<{
        designation: string;
        description: string | null;
        prdtypecode: number;
        source_index: number;
      }>(
        sql`SELECT designation, description, prdtypecode, source_index FROM products WHERE productid = ${2572664424}`,
      );
      expect(row).toEqual({
        designation: 'Twinings Gunpowder Thé Vert Menthe - Vrac/Boite Métal 200g',
        description: '<br />',
        prdtypecode: 1940,
        source_index: 442,
      });
      expect(await count(db, sql`productid = ${5862738} AND description IS NULL`)).toBe(1);

      const before = await fingerprint(db);
      const second = await importProducts(fullInput(), { ...deps, db });
      expect(second).toMatchObject({ imported: 0, updated: 0, skipped: first.imported, rejected: [] });
      expect(await fingerprint(db)).toBe(before);
    });

    it('cleans text once, keeping the original', async () => {
      const first = await cleanProducts({}, { ...deps, db });
      expect(first.cleaned).toBe(4970);
      expect((await cleanProducts({}, { ...deps, db })).cleaned).toBe(0);
      const [row] = await db.all<{ cleaned_text: string; description: string }>(
        sql`SELECT cleaned_text, description FROM products WHERE productid = ${278535884}`,
      );
      expect(row?.cleaned_text).toMatch(
        /^La Guerre Des Tuques \. Luc a des idées de grandeur\. .* en être le vainqueur incontesté/,
      );
      expect(row?.description).toContain('id&eacute;es');
      expect(await count(db, sql`cleaned_text LIKE '%<br%' OR cleaned_text LIKE '%&eacute;%'`)).toBe(0);
    });

    it('resizes images into white-padded squares, content-addressed, once', async () => {
      const cacheDir = path.join(home, 'images');
      const first = await prepareImages({ cacheDir, sizesPx: [64, 128], concurrency: 2 }, { ...deps, db });
      expect(first.rejected).toEqual([]);
      expect(first.productsReady).toBe(imageCount);
      expect(first.written).toBe(first.sourceImages * 2);
      const [variant] = await db.all<{ path: string; sha256: string; image_sha256: string }>(
        sql`SELECT path, sha256, image_sha256 FROM image_variants WHERE size_px = 64 ORDER BY image_sha256 LIMIT 1`,
      );
      expect(variant?.path).toBe(path.join(cacheDir, '64', `${variant?.image_sha256}.png`));
      const meta = await sharp(variant?.path ?? '').metadata();
      expect([meta.width, meta.height, meta.format, meta.hasAlpha]).toEqual([64, 64, 'png', false]);
      const again = await prepareImages({ cacheDir, sizesPx: [64, 128] }, { ...deps, db });
      expect(again).toMatchObject({ written: 0, cached: first.sourceImages * 2, productsReady: imageCount });
    });

    it('splits deterministically, stratified, and loads each split', async () => {
      const manifestDir = path.join(home, 'splits');
      const a = await splitProducts({ seed: 7, manifestDir }, { ...deps, db });
      const b = await splitProducts({ seed: 7, manifestDir }, { ...deps, db });
      expect(b.manifest).toEqual(a.manifest);
      expect(JSON.parse(readFileSync(a.manifestPath, 'utf8'))).toEqual(a.manifest);
      const total = await count(db, sql`prdtypecode IS NOT NULL`);
      expect(SPLIT_NAMES.reduce((sum, s) => sum + a.manifest.counts[s].total, 0)).toBe(total);
      expect(a.manifest.counts.validation.total / total).toBeCloseTo(0.1, 1);
      for (const s of SPLIT_NAMES) expect(Object.keys(a.manifest.counts[s].perClass)).toHaveLength(27);
      const other = await splitProducts({ seed: 8, manifestDir }, { ...deps, db });
      expect(other.manifest.dataSha256).not.toBe(a.manifest.dataSha256);
      await splitProducts({ seed: 7, manifestDir }, { ...deps, db });

      const text = await loadSplit(db, { split: 'train', modality: 'text' });
      expect(text).toHaveLength(a.manifest.counts.train.withText);
      expect(text.every((r) => r.text !== null && CATEGORIES.some((c) => c.code === r.label))).toBe(true);
      const images = await loadSplit(db, { split: 'test', modality: 'image', imageSizePx: 64 });
      expect(images).toHaveLength(a.manifest.counts.test.withImage);
      expect(images.every((r) => r.imagePath !== null && existsSync(r.imagePath))).toBe(true);
      const all = await loadSplit(db, { split: 'validation' });
      expect(all).toHaveLength(a.manifest.counts.validation.total);
    });

    describe('bad inputs leave the database as it was', () => {
      let bad: Database;
      let dir: string;
      beforeAll(async () => {
        dir = makeTempDir('bad');
        bad = await backend.open(makeTempDir('badhome'));
      });
      afterAll(async () => {
        await bad?.close();
      });

      it('a CSV without the imageid column', async () => {
        const file = path.join(dir, 'X_noimageid.csv');
        writeFileSync(file, ',designation,description,productid\n2,Stylet,,201115110\n');
        const error = await expectInputError(
          importProducts(
            { textFiles: [{ xPath: file, yPath: y, source: 'challenge' }] },
            { ...deps, db: bad },
          ),
          'DATA_CSV_COLUMN_MISSING',
        );
        expect(error.message).toContain('"imageid"');
        expect(await count(bad)).toBe(0);
      });

      it('a label file of other products rolls back rows already written', async () => {
        const xPath = headOfCsv(x, 700, dir, 'X_700.csv');
        const yPath = path.join(dir, 'Y_other.csv');
        writeFileSync(yPath, `${readFileSync(headOfCsv(y, 700, dir, 'Y_700.csv'), 'utf8')}999999,10\n`);
        await expectInputError(
          importProducts({ textFiles: [{ xPath, yPath, source: 'challenge' }] }, { ...deps, db: bad }),
          'DATA_LABELS_MISMATCH',
        );
        expect(await count(bad)).toBe(0);
      });

      it('rejects a duplicate id and an empty designation, with reasons', async () => {
        const xPath = path.join(dir, 'X_rows.csv');
        const yPath = path.join(dir, 'Y_rows.csv');
        writeFileSync(
          xPath,
          ',designation,description,productid,imageid\n4,La Guerre Des Tuques,"Luc a des id&eacute;es, dit-il",278535884,1077757786\n' +
            '5, ,,5862738,393356830\n6,Twin,,278535884,1\n',
        );
        writeFileSync(yPath, ',prdtypecode\n4,2705\n5,10\n6,2705\n');
        const result = await importProducts(
          { textFiles: [{ xPath, yPath, source: 'challenge_titles' }] },
          { ...deps, db: bad },
        );
        expect(result.imported).toBe(1);
        expect(result.rejected.map((r) => [r.line, r.reason])).toEqual([
          [3, 'invalid_row'],
          [4, 'duplicate_id'],
        ]);
        expect(await count(bad, sql`source = 'challenge_titles'`)).toBe(1);
      });

      it('a label outside the 27 codes names the file and line, and imports nothing', async () => {
        const xPath = path.join(dir, 'X_code.csv');
        const yPath = path.join(dir, 'Y_code.csv');
        writeFileSync(xPath, ',designation,description,productid,imageid\n7,Stylet,,42,43\n8,Crayon,,44,45\n');
        writeFileSync(yPath, ',prdtypecode\n7,2705\n8,9999\n');
        const before = await fingerprint(bad);
        const error = await expectInputError(
          importProducts({ textFiles: [{ xPath, yPath, source: 'challenge' }] }, { ...deps, db: bad }),
          'DATA_LABEL_UNKNOWN',
        );
        expect(error.message).toBe('Y_code.csv line 3: prdtypecode "9999" is not one of the 27 categories');
        expect(await fingerprint(bad)).toBe(before);
      });

      it('a label file that matches only some products: both counts, the first line of each, nothing imported', async () => {
        const xPath = headOfCsv(x, 40, dir, 'X_40.csv');
        const yPath = path.join(dir, 'Y_few.csv');
        const yLines = readFileSync(headOfCsv(y, 40, dir, 'Y_40.csv'), 'utf8').trimEnd().split('\n');
        // The header, 3 matching labels, then one label of a product that is not in X.
        writeFileSync(yPath, `${yLines.slice(0, 4).join('\n')}\n999999,10\n`);
        const before = await fingerprint(bad);
        const error = await expectInputError(
          importProducts({ textFiles: [{ xPath, yPath, source: 'challenge' }] }, { ...deps, db: bad }),
          'DATA_LABELS_MISMATCH',
        );
        expect(error.message).toContain('X_40.csv has 40 rows and Y_few.csv 4');
        expect(error.message).toContain('37 products have no label (first: X_40.csv line 5, index 7)');
        expect(error.message).toContain('1 labels have no product (first: Y_few.csv line 5, index 999999)');
        expect(await fingerprint(bad)).toBe(before);
      });

      it('a titles file with a wrong header after a good pair: the file and line named, the database unchanged', async () => {
        const xPath = headOfCsv(x, 30, dir, 'X_30.csv');
        const yPath = headOfCsv(y, 30, dir, 'Y_30.csv');
        const titles = path.join(dir, 'X_titles_bad.csv');
        writeFileSync(titles, ',title,description,productid,imageid\n201,Filtre Bestway,,4012248865,1276348808\n');
        const titleLabels = path.join(dir, 'Y_titles_bad.csv');
        writeFileSync(titleLabels, ',prdtypecode\n201,2583\n');
        const before = await fingerprint(bad);
        const error = await expectInputError(
          importProducts(
            {
              textFiles: [
                { xPath, yPath, source: 'challenge' },
                { xPath: titles, yPath: titleLabels, source: 'challenge_titles' },
              ],
            },
            { ...deps, db: bad },
          ),
          'DATA_CSV_COLUMN_MISSING',
        );
        expect(error.message).toBe('X_titles_bad.csv line 1 (header) has no "designation" column');
        expect(await fingerprint(bad)).toBe(before);
      });

      it('a semicolon-separated file says commas were expected', async () => {
        const xPath = path.join(dir, 'X_semi.csv');
        writeFileSync(xPath, ';designation;description;productid;imageid\n0;"Stylet";;42;43\n');
        const error = await expectInputError(
          importProducts({ textFiles: [{ xPath, yPath: y, source: 'challenge' }] }, { ...deps, db: bad }),
          'DATA_CSV_DELIMITER',
        );
        expect(error.message).toContain('expected commas');
        expect(await count(bad, sql`productid = 42`)).toBe(0);
      });

      it('images: truncated, zero-byte, not an image, PNG named .jpg, undecodable', async () => {
        const imageDirBad = path.join(dir, 'img');
        const realDir = path.join(options.dataDir, 'images', 'image_train');
        const real = readdirSync(realDir).sort().slice(0, 5);
        const [a, b, c, d, e] = real.map((n) => {
          const m = /^image_(\d+)_product_(\d+)\.jpg$/.exec(n);
          return {
            name: n,
            imageid: Number(m?.[1]),
            productid: Number(m?.[2]),
            bytes: readFileSync(path.join(realDir, n)),
          };
        });
        if (!a || !b || !c || !d || !e) throw new Error('need 5 real images');
        const { mkdirSync } = await import('node:fs');
        mkdirSync(imageDirBad);
        writeFileSync(path.join(imageDirBad, a.name), a.bytes.subarray(0, Math.floor(a.bytes.length / 2)));
        writeFileSync(path.join(imageDirBad, b.name), Buffer.alloc(0));
        writeFileSync(path.join(imageDirBad, c.name), 'not an image at all');
        writeFileSync(path.join(imageDirBad, d.name), RED_PIXEL_PNG);
        // Intact head and end marker, garbage in between: passes the cheap check, fails to decode.
        const scrambled = Buffer.from(e.bytes);
        scrambled.fill(0x00, 600, scrambled.length - 200);
        writeFileSync(path.join(imageDirBad, e.name), scrambled);
        writeFileSync(path.join(imageDirBad, 'notes.txt'), 'x');

        const result = await importProducts(
          { textFiles: [], imageDir: imageDirBad, idsPath: ids },
          { ...deps, db: bad },
        );
        const reasons = Object.fromEntries(result.rejected.map((r) => [r.file, `${r.reason}: ${r.detail}`]));
        expect(reasons[a.name]).toMatch(/^unreadable_image: truncated jpeg/);
        expect(reasons[b.name]).toMatch(/^unreadable_image: empty file/);
        expect(reasons[c.name]).toMatch(/^unreadable_image: not an image/);
        expect(reasons['notes.txt']).toMatch(/^unrecognised_file/);
        expect(result.imageOnlyRows).toBe(2);
        const [png] = await bad.all<{ image_type: string }>(
          sql`SELECT image_type FROM products WHERE productid = ${d.productid}`,
        );
        expect(png?.image_type).toBe('png');

        const images = await prepareImages(
          { cacheDir: path.join(dir, 'cache'), sizesPx: [32] },
          { ...deps, db: bad },
        );
        expect(images.productsReady).toBe(1);
        expect(images.rejected).toHaveLength(1);
        expect(images.rejected[0]?.reason).toMatch(/^cannot decode/);
        const [broken] = await bad.all<{ image_error: string | null }>(
          sql`SELECT image_error FROM products WHERE productid = ${e.productid}`,
        );
        expect(broken?.image_error).toMatch(/^cannot decode/);
        const images2 = await prepareImages(
          { cacheDir: path.join(dir, 'cache'), sizesPx: [32] },
          { ...deps, db: bad },
        );
        expect(images2).toMatchObject({ written: 0, rejected: [], productsReady: 1 });
      });

      it('refuses impossible split fractions and image sizes', async () => {
        await expectInputError(
          splitProducts(
            { seed: 1, testFraction: 0.6, validationFraction: 0.5, manifestDir: dir },
            { ...deps, db: bad },
          ),
          'DATA_SPLIT_INVALID',
        );
        await expectInputError(
          prepareImages({ cacheDir: dir, sizesPx: [0] }, { ...deps, db: bad }),
          'DATA_IMAGE_SIZE_INVALID',
        );
      });
    });
  });
}
