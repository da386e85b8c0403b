import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/index.js';
import { openContext, printResult } from '../context.js';
import { openRegistry, type RegistryFlags } from '../registry-context.js';

interface TrainFlags extends RegistryFlags {
  experiment?: string;
  model: string;
  out?: string;
  epochs?: string;
  batchSize?: string;
  lr?: string;
  seed?: string;
  patience?: string;
  classWeights?: boolean;
  vocab?: string;
  seqLen?: string;
  imageSize?: string;
  textBundle?: string;
  imageBundle?: string;
  backbone?: string;
  arch?: string;
}

function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    throw new InputError('CONFIG_INVALID', `--${flag} must be a non-negative number, got "${value}"`);
  }
  return n;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(
      'Train a model on the train split with early stopping on validation weighted F1, calibrate it\n' +
        '(temperature scaling on validation) and write a bundle. Needs `data import/clean/images/split` first.\n' +
        'Models: tfidf (text baseline), tfidf-char (text, word+char n-grams), fasttext (text),\n' +
        'text-svm (text, uncapped word + char TF-IDF and a linear SVM: the strongest text model),\n' +
        'lstm (text, reference), cnn (image, reference),\n' +
        'image-transfer (image, frozen pretrained backbone + trained head),\n' +
        'fusion (text+image: a head over trained text and image bundles; --arch reference trains both trunks from scratch),\n' +
        'late-fusion (a trained text and image bundle combined).',
    )
    .requiredOption('--model <kind>', 'tfidf | tfidf-char | fasttext | text-svm | lstm | cnn | image-transfer | fusion | late-fusion')
    .option('--out <dir>', 'bundle directory (default <home>/bundles/<model>-<time>)')
    .option('--epochs <n>', 'maximum epochs (default per model)')
    .option('--batch-size <n>', 'batch size for tfjs models')
    .option('--lr <rate>', 'learning rate (default per model)')
    .option('--seed <n>', 'seed: same seed and data give the same model and metrics (default 42)')
    .option('--patience <n>', 'epochs without a better validation F1 before stopping')
    .option('--no-class-weights', 'do not weight the loss by inverse class frequency')
    .option('--vocab <n>', 'text models: vocabulary size (default 10000)')
    .option('--seq-len <n>', 'text models: tokens per product (default 48)')
    .option('--image-size <px>', 'image models: input size, one of the `data images` sizes (default 64)')
    .option('--experiment <name>', 'experiment the run is recorded under (default "default")')
    .option('--text-bundle <dir>', 'late-fusion: the trained text model bundle')
    .option('--image-bundle <dir>', 'late-fusion: the trained image model bundle')
    .option(
      '--backbone <name|dir>',
      'image-transfer: mobilenet-v2-mid, mobilenet-v2, inception-v3, a folder with a tfjs model.json, or a+b to concatenate (default mobilenet-v2-mid+mobilenet-v2)',
    )
    .option('--arch <arch>', 'fusion: parts (default: a head over trained text and image bundles) or reference (both trunks from scratch)')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<TrainFlags>();
      const ctx = openContext(flags);
      const { MODEL_KINDS } = await import('../../models/classifiers/classifier.js');
      const kind = MODEL_KINDS.find((k) => k === flags.model);
      if (!kind) {
        throw new InputError('CONFIG_INVALID', `Unknown model "${flags.model}"`, { hint: `Use one of: ${MODEL_KINDS.join(', ')}` });
      }
      const [{ useBackend }, { trainModel }, { TRAINING_DEFAULTS, SHARED_DEFAULTS, REFERENCE_FUSION_DEFAULTS }] = await Promise.all([
        import('../../models/engine/index.js'),
        import('../../models/train.js'),
        import('../../models/training-defaults.js'),
      ]);
      if (flags.arch !== undefined && flags.arch !== 'parts' && flags.arch !== 'reference') {
        throw new InputError('CONFIG_INVALID', `Unknown --arch "${flags.arch}"`, { hint: 'Use --arch parts or --arch reference.' });
      }
      const isReferenceFusion = kind === 'fusion' && flags.arch === 'reference';
      const defaults = isReferenceFusion ? REFERENCE_FUSION_DEFAULTS : TRAINING_DEFAULTS[kind];
      const options = {
        epochs: positiveNumber('epochs', flags.epochs) ?? defaults.epochs,
        batchSize: positiveNumber('batch-size', flags.batchSize) ?? defaults.batchSize,
        learningRate: positiveNumber('lr', flags.lr) ?? defaults.learningRate,
        patience: positiveNumber('patience', flags.patience) ?? defaults.patience,
        seed: positiveNumber('seed', flags.seed) ?? SHARED_DEFAULTS.seed,
        useClassWeights: flags.classWeights !== false,
        vocabularySize: positiveNumber('vocab', flags.vocab) ?? SHARED_DEFAULTS.vocabularySize,
        sequenceLength: positiveNumber('seq-len', flags.seqLen) ?? SHARED_DEFAULTS.sequenceLength,
        imageSizePx: positiveNumber('image-size', flags.imageSize) ?? defaults.imageSizePx ?? SHARED_DEFAULTS.imageSizePx,
        ...(flags.backbone ? { backbone: flags.backbone } : {}),
        ...(kind === 'fusion' ? { fusionArch: isReferenceFusion ? ('reference' as const) : ('parts' as const) } : {}),
        componentBundles: {
          ...(flags.textBundle ? { text: path.resolve(flags.textBundle) } : {}),
          ...(flags.imageBundle ? { image: path.resolve(flags.imageBundle) } : {}),
        },
      };
      const bundleDir = path.resolve(
        flags.out ?? path.join(ctx.config.home, 'bundles', `${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}`),
      );
      const engine = await useBackend({ preference: ctx.config.engine.backend, threads: ctx.config.engine.threads });
      process.stderr.write(`engine: ${engine.backend} (${engine.threads} thread(s)) — ${engine.reason}\n`);
      const registry = await openRegistry(flags);
      try {
        const { db } = registry.deps;
        const result = await trainModel(
          { kind, bundleDir, options },
          { db, log: ctx.log, engine, onProgress: (p) => ctx.progress.update(p) },
        );
        ctx.progress.stop();
        // Every training run is recorded (and mirrored to MLflow when MLFLOW_TRACKING_URI is set).
        const { recordRun, currentGitCommit } = await import('../../registry/index.js');
        const { componentBundles, ...params } = options;
        const run = await recordRun(
          {
            train: result,
            params: { ...params, ...(componentBundles.text ? { textBundle: componentBundles.text } : {}), ...(componentBundles.image ? { imageBundle: componentBundles.image } : {}) },
            tags: { backend: engine.backend, threads: String(engine.threads) },
            gitCommit: await currentGitCommit(process.cwd()),
            ...(flags.experiment ? { experiment: flags.experiment } : {}),
          },
          registry.deps,
        );
        printResult(result, flags.json, () =>
          [
            `trained ${result.kind} in ${result.trainSeconds.toFixed(1)} s -> ${result.bundleDir}`,
            `validation (${result.validation.samples} products): weighted F1 ${result.validation.weightedF1.toFixed(4)}, accuracy ${result.validation.accuracy.toFixed(4)}, top-3 ${result.validation.top3Accuracy.toFixed(4)}`,
            `calibration: temperature ${result.temperature.toFixed(3)}, ECE ${result.validation.eceBeforeCalibration.toFixed(4)} -> ${result.validation.ece.toFixed(4)}`,
            `bundle sha256 ${result.bundleSha256}, data sha256 ${result.dataSha256.slice(0, 16)}…`,
            `run ${run.id} (rakuten-ml runs show ${run.id}); register it with: rakuten-ml register ${result.bundleDir}`,
          ].join('\n'),
        );
      } finally {
        ctx.progress.stop();
        await registry.close();
      }
    });
}
