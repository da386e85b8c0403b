import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/index.js';
import { type GlobalFlags, openContext, printResult } from '../context.js';
import { openRegistry } from '../registry-context.js';

interface PredictFlags extends GlobalFlags {
  x: string;
  images?: string;
  out?: string;
  k: string;
  format: string;
  textModel?: string;
  imageModel?: string;
  chunkRows: string;
}

function positiveInt(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new InputError('CONFIG_INVALID', `${name} must be a positive whole number, not "${raw}".`);
  }
  return value;
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description(
      'Score a products CSV (official X format) with a bundle or a registry model, streaming: one\n' +
        'prediction per input row, same order. Each product goes to the model that reads what it has\n' +
        '(text, image, both), as in `serve`. Rows that cannot be scored get an empty prediction and a\n' +
        'line on stderr. --out is written atomically; without it, predictions go to stdout.',
    )
    .argument('<model>', 'a bundle dir or registry ref (e.g. rakuten@champion)')
    .requiredOption('--x <file>', 'products CSV (,designation,description,productid,imageid)')
    .option('--images <dir>', 'folder of image_<imageid>_product_<productid>.jpg files')
    .option('--out <file>', 'where predictions go (default stdout)')
    .option('--k <n>', 'classes per product for topk / jsonl', '3')
    .option('--format <name>', 'submission (,prdtypecode) | topk | jsonl', 'submission')
    .option('--text-model <dir-or-ref>', 'also load a text model for rows with text only')
    .option('--image-model <dir-or-ref>', 'also load an image model for rows with a photo only')
    .option('--chunk-rows <n>', 'rows read, scored and written at a time', '1024')
    .action(async (modelRef: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<PredictFlags>();
      const ctx = openContext(flags);
      const { PREDICT_FORMATS, predictFile } = await import('../../pipelines/predict-file.js');
      const format = PREDICT_FORMATS.find((f) => f === flags.format);
      if (!format) {
        throw new InputError('CONFIG_INVALID', `Unknown --format "${flags.format}"`, { hint: `Use ${PREDICT_FORMATS.join(', ')}.` });
      }
      const k = positiveInt('--k', flags.k);
      const chunkRows = positiveInt('--chunk-rows', flags.chunkRows);
      const [{ parseModelRef, resolveModelRef }, { loadModelSet, resolveLocalBundle }, { loadClassifier }, { useBackend }] = await Promise.all([
        import('../../registry/index.js'),
        import('../../serve/index.js'),
        import('../../models/load-classifier.js'),
        import('../../models/engine/index.js'),
      ]);
      const refs = { model: modelRef, textModel: flags.textModel, imageModel: flags.imageModel };
      // The registry (database, store) opens only when a ref names it: a bundle dir needs neither.
      const needsRegistry = Object.values(refs).some((ref) => ref !== undefined && parseModelRef(ref).kind === 'registry');
      const registry = needsRegistry ? await openRegistry(flags) : undefined;
      try {
        // Resolve before loading, so a missing model or alias keeps its own error (and exit 3).
        const resolved = new Map<string, { bundleDir: string; version: string; name?: string }>();
        for (const ref of Object.values(refs)) {
          if (ref === undefined || resolved.has(ref)) continue;
          if (parseModelRef(ref).kind === 'path' || !registry) {
            const local = await resolveLocalBundle(ref);
            resolved.set(ref, { bundleDir: local.bundleDir, version: local.version.slice(0, 12) });
            continue;
          }
          const found = await resolveModelRef(ref, registry.deps);
          resolved.set(ref, {
            bundleDir: found.bundleDir,
            version: found.version === undefined ? found.bundleSha256.slice(0, 12) : String(found.version),
            ...(found.name ? { name: found.name } : {}),
          });
        }
        await useBackend({ preference: ctx.config.engine.backend, threads: ctx.config.engine.threads });
        const models = await loadModelSet({
          refs,
          resolve: async (ref) => {
            const hit = resolved.get(ref);
            if (!hit) throw new Error(`${ref} was not resolved`);
            return hit;
          },
          load: loadClassifier,
          log: ctx.log,
        });
        try {
          const result = await predictFile(
            {
              xCsv: path.resolve(flags.x),
              imageDir: flags.images ? path.resolve(flags.images) : undefined,
              output: flags.out ? { path: flags.out } : { stream: process.stdout },
              format,
              k,
              chunkRows,
            },
            {
              models,
              onProgress: (p) => ctx.progress.update(p),
              onRowIssue: (issue) =>
                process.stderr.write(`${issue.isScored ? 'warning' : 'unscored'}: row index ${issue.index} (line ${issue.line}): ${issue.reason}\n`),
            },
          );
          ctx.progress.stop();
          const summary = { ...result, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
          const human = () =>
            [
              `${result.rows} rows in ${(result.durationMs / 1000).toFixed(1)} s (${result.rowsPerSecond} rows/s, peak RSS ${summary.peakRssMb} MB): ` +
                `${result.scored} scored (text ${result.byModality.text}, image ${result.byModality.image}, both ${result.byModality.both}), ` +
                `${result.unscored} unscored${result.imageUnreadable ? `, ${result.imageUnreadable} scored from text (photo unreadable)` : ''}`,
              `models: ${result.models.map((m) => `${m.name} v${m.version} (${m.kind}, ${m.rows} rows)`).join('; ') || 'none used'}`,
              ...(result.out ? [`${format}: ${result.out}`] : []),
            ].join('\n');
          if (result.out) printResult(summary, flags.json, human);
          // The predictions own stdout; the summary goes to stderr.
          else process.stderr.write(`${flags.json ? JSON.stringify(summary) : human()}\n`);
        } finally {
          models.dispose();
        }
      } finally {
        ctx.progress.stop();
        await registry?.close();
      }
    });
}
