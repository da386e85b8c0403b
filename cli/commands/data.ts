import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type Config, InputError } from '../../core/index.js';
import type { Database, StageDeps, TextFilePair } from '../../data/index.js';
import { type CommandContext, type GlobalFlags, openContext, printResult } from '../context.js';

interface ImportFlags extends GlobalFlags {
  x?: string;
  y?: string;
  images?: string | false;
  ids?: string | false;
  withTitles?: boolean;
}

function requireDataDir(config: Config): string {
  if (config.dataDir === undefined) {
    throw new InputError('DATA_DIR_MISSING', 'No challenge data folder: pass --x/--y or set one', {
      hint: 'Set RAKUTEN_DATA_DIR (or --data-dir) to the folder with X_train.csv, Y_train.csv and images/.',
    });
  }
  return config.dataDir;
}

/** Opens the database, runs one stage with progress drawn on stderr, always closes both. */
async function withStage<T>(
  flags: GlobalFlags,
  run: (deps: StageDeps, ctx: CommandContext) => Promise<T>,
): Promise<T> {
  const ctx = openContext(flags);
  const { openDatabase } = await import('../../data/index.js');
  const db: Database = await openDatabase({ home: ctx.config.home, databaseUrl: ctx.config.databaseUrl });
  try {
    return await run({ db, log: ctx.log, onProgress: (p) => ctx.progress.update(p) }, ctx);
  } finally {
    ctx.progress.stop();
    await db.close();
  }
}

function countBy<T>(items: readonly T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
}

function registerImport(data: Command): void {
  data
    .command('import')
    .description(
      'Import the official challenge files (X/Y CSV, image folder) into the product database.\n' +
        'Idempotent: a second run skips every unchanged product. With no flags it reads X_train.csv,\n' +
        'Y_train.csv, images/image_train/ and ids_all.csv from the data folder (RAKUTEN_DATA_DIR).',
    )
    .option('--x <file>', 'products CSV (,designation,description,productid,imageid)')
    .option('--y <file>', 'labels CSV (,prdtypecode), same index as --x')
    .option('--images <dir>', 'folder of image_<imageid>_product_<productid>.jpg files')
    .option('--no-images', 'import text only')
    .option('--ids <file>', 'ids_all.csv: also import images with no text row, labelled from this file')
    .option('--no-ids', 'import only the images of text rows')
    .option('--with-titles', 'also import X_train_titles.csv / Y_train_titles.csv (title-only rows)')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<ImportFlags>();
      const result = await withStage(flags, async (deps, ctx) => {
        const dataDir = flags.x && flags.y ? undefined : requireDataDir(ctx.config);
        const xPath = path.resolve(flags.x ?? path.join(dataDir ?? '', 'X_train.csv'));
        const yPath = path.resolve(flags.y ?? path.join(dataDir ?? '', 'Y_train.csv'));
        const folder = dataDir ?? path.dirname(xPath);
        const defaultImages = path.join(folder, 'images', 'image_train');
        const imageDir =
          flags.images === false
            ? undefined
            : (flags.images ?? (existsSync(defaultImages) ? defaultImages : undefined));
        const defaultIds = path.join(folder, 'ids_all.csv');
        const idsPath =
          flags.ids === false || imageDir === undefined
            ? undefined
            : (flags.ids ?? (existsSync(defaultIds) ? defaultIds : undefined));
        const textFiles: TextFilePair[] = [{ xPath, yPath, source: 'challenge' }];
        if (flags.withTitles) {
          textFiles.push({
            xPath: path.join(folder, 'X_train_titles.csv'),
            yPath: path.join(folder, 'Y_train_titles.csv'),
            source: 'challenge_titles',
          });
        }
        const { importProducts } = await import('../../data/index.js');
        return importProducts({ textFiles, imageDir, idsPath }, deps);
      });
      printResult(result, flags.json, () =>
        [
          `imported ${result.imported}, updated ${result.updated}, skipped ${result.skipped} (unchanged), rejected ${result.rejected.length}`,
          `text rows ${result.textRows}, image-only rows ${result.imageOnlyRows}, with a usable image ${result.withImage}`,
          ...(result.rejected.length > 0
            ? [`rejected by reason: ${countBy(result.rejected, (r) => r.reason)}`]
            : []),
          ...result.rejected
            .slice(0, 10)
            .map((r) => `  ${r.file}${r.line ? `:${r.line}` : ''} ${r.reason}: ${r.detail}`),
          ...(result.rejected.length > 10
            ? [`  … ${result.rejected.length - 10} more (use --json for all)`]
            : []),
          `done in ${(result.durationMs / 1000).toFixed(1)} s`,
        ].join('\n'),
      );
    });
}

function registerClean(data: Command): void {
  data
    .command('clean')
    .description(
      'Clean product text (HTML to text, entities, Unicode NFC, whitespace) into one field per product.',
    )
    .option('--force', 'clean every text row again, not only new ones')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags & { force?: boolean }>();
      const result = await withStage(flags, async (deps) => {
        const { cleanProducts } = await import('../../data/index.js');
        return cleanProducts({ isForced: flags.force === true }, deps);
      });
      printResult(
        result,
        flags.json,
        () =>
          `cleaned ${result.cleaned}, unchanged ${result.unchanged}, empty after cleaning ${result.empty} ` +
          `in ${(result.durationMs / 1000).toFixed(1)} s`,
      );
    });
}

function collectSize(value: string, previous: number[] | undefined): number[] {
  const sizePx = Number(value);
  if (!Number.isInteger(sizePx)) {
    throw new InputError('DATA_IMAGE_SIZE_INVALID', `--size ${value} is not a whole number of pixels`, {
      hint: 'Pass e.g. --size 64 --size 128.',
    });
  }
  return [...(previous ?? []), sizePx];
}

function registerImages(data: Command): void {
  data
    .command('images')
    .description('Resize product images into square PNGs (white padding) under <home>/images/<size>/.')
    .option('--size <px>', 'square size in pixels; repeat for several (default 64 and 128)', collectSize)
    .option('--concurrency <n>', 'images decoded at once (default: number of CPUs)')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags & { size?: number[]; concurrency?: string }>();
      const result = await withStage(flags, async (deps, ctx) => {
        const { prepareImages } = await import('../../data/index.js');
        return prepareImages(
          {
            cacheDir: path.join(ctx.config.home, 'images'),
            sizesPx: flags.size,
            concurrency: flags.concurrency === undefined ? undefined : Number(flags.concurrency),
          },
          deps,
        );
      });
      printResult(result, flags.json, () =>
        [
          `${result.productsReady} products have images at ${result.sizesPx.join(' and ')} px ` +
            `(${result.sourceImages} distinct files): written ${result.written}, already cached ${result.cached}`,
          ...result.rejected.map((r) => `  rejected ${path.basename(r.sourcePath)}: ${r.reason}`),
          `done in ${(result.durationMs / 1000).toFixed(1)} s`,
        ].join('\n'),
      );
    });
}

function registerSplit(data: Command): void {
  data
    .command('split')
    .description('Stratified train/validation/test split, recorded in the database and in <home>/splits/.')
    .option('--seed <n>', 'seed; same seed + same data gives the same split', '42')
    .option('--validation <fraction>', 'share of each class for validation', '0.1')
    .option('--test <fraction>', 'share of each class for test', '0.1')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<
        GlobalFlags & { seed: string; validation: string; test: string }
      >();
      const result = await withStage(flags, async (deps, ctx) => {
        const { splitProducts } = await import('../../data/index.js');
        return splitProducts(
          {
            seed: Number(flags.seed),
            validationFraction: Number(flags.validation),
            testFraction: Number(flags.test),
            manifestDir: path.join(ctx.config.home, 'splits'),
          },
          deps,
        );
      });
      const { counts, dataSha256 } = result.manifest;
      printResult(result, flags.json, () =>
        [
          ...(['train', 'validation', 'test'] as const).map(
            (s) =>
              `${s.padEnd(10)} ${String(counts[s].total).padStart(6)} rows (text ${counts[s].withText}, image ${counts[s].withImage})`,
          ),
          `data sha256 ${dataSha256}`,
          `manifest ${result.manifestPath}`,
        ].join('\n'),
      );
    });
}

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('Data stage: import, clean, images, split.');
  registerImport(data);
  registerClean(data);
  registerImages(data);
  registerSplit(data);
}
