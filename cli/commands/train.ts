import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError, NotFoundError } from '../../core/index.js';
import type { TrainResult } from '../../models/train.js';
import type { RegistryDeps } from '../../registry/index.js';
import { type CommandContext, openContext, printResult } from '../context.js';
import { openRegistry, type RegistryFlags } from '../registry-context.js';

interface TrainFlags extends RegistryFlags {
  experiment?: string;
  model?: string;
  resume?: string;
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

/**
 * A training that throws (a backbone folder that is not a tfjs model, a photo that cannot be
 * decoded, bad data) is recorded as a failed run with its error code, then reaches the user as is.
 */
async function recordFailedTraining(
  error: unknown,
  run: {
    kind: string;
    options: Record<string, unknown>;
    startedAt: Date;
    registry: Awaited<ReturnType<typeof openRegistry>>;
    experiment: string | undefined;
  },
): Promise<never> {
  const { recordFailedRun, currentGitCommit } = await import('../../registry/index.js');
  const params = Object.fromEntries(
    Object.entries(run.options).filter((e): e is [string, string | number | boolean] => ['string', 'number', 'boolean'].includes(typeof e[1])),
  );
  await recordFailedRun(
    {
      kind: run.kind,
      params,
      error,
      startedAt: run.startedAt,
      gitCommit: await currentGitCommit(process.cwd()),
      ...(run.experiment ? { experiment: run.experiment } : {}),
    },
    run.registry.deps,
  ).catch((recordError: unknown) => run.registry.deps.log.warn({ error: String(recordError) }, 'could not record the failed run'));
  throw error;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(
      'Train a model on the train split with early stopping on validation weighted F1, calibrate it\n' +
        '(temperature scaling on validation) and write a bundle. Needs `data import/clean/images/split` first.\n' +
        'Models: tfidf (text baseline), tfidf-char (text, word+char n-grams), fasttext (text),\n' +
        'text-svm (text, uncapped word + char TF-IDF and a linear SVM: the strongest text model),\n' +
        'lstm (text, reference), word-cnn (text, the stronger neural model), cnn (image, reference),\n' +
        'image-transfer (image, frozen pretrained backbone + trained head),\n' +
        'fusion (text+image: a head over trained text and image bundles; --arch reference trains both trunks from scratch),\n' +
        'late-fusion (a trained text and image bundle combined).',
    )
    .option('--model <kind>', 'tfidf | tfidf-char | fasttext | text-svm | lstm | word-cnn | cnn | image-transfer | fusion | late-fusion (required unless --resume)')
    .option(
      '--resume <bundle-or-run>',
      'continue an interrupted run (Ctrl-C or killed) from its last completed epoch: the --out folder it was writing, or its run id',
    )
    .option('--out <dir>', 'bundle directory (default <home>/bundles/<model>-<time>)')
    .option('--epochs <n>', 'maximum epochs (default per model)')
    .option('--batch-size <n>', 'batch size for tfjs models')
    .option('--lr <rate>', 'learning rate (default per model)')
    .option('--seed <n>', 'seed: same seed and data give the same model and metrics (default 42)')
    .option('--patience <n>', 'epochs without a better validation F1 before stopping')
    .option('--no-class-weights', 'do not weight the loss by inverse class frequency')
    .option('--vocab <n>', 'text models: vocabulary size (default 10000; word-cnn 30000)')
    .option('--seq-len <n>', 'text models: tokens per product (default 48; word-cnn 32)')
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
      if (flags.resume !== undefined) {
        await resumeCommand(flags, flags.resume, ctx);
        return;
      }
      const { MODEL_KINDS } = await import('../../models/classifiers/classifier.js');
      const kind = MODEL_KINDS.find((k) => k === flags.model);
      if (!kind) {
        if (flags.model === undefined) {
          throw new InputError('CONFIG_INVALID', 'train needs --model <kind> (or --resume <bundle-or-run>)', { hint: `Models: ${MODEL_KINDS.join(', ')}` });
        }
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
        vocabularySize: positiveNumber('vocab', flags.vocab) ?? defaults.vocabularySize ?? SHARED_DEFAULTS.vocabularySize,
        sequenceLength: positiveNumber('seq-len', flags.seqLen) ?? defaults.sequenceLength ?? SHARED_DEFAULTS.sequenceLength,
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
      const startedAt = new Date();
      const interrupt = stopOnCtrlC(ctx);
      try {
        const { db } = registry.deps;
        const result = await trainModel(
          { kind, bundleDir, options },
          { db, log: ctx.log, engine, onProgress: (p) => ctx.progress.update(p), signal: interrupt.signal },
        ).catch((error: unknown) => recordFailedTraining(error, { kind, options, startedAt, registry, experiment: flags.experiment }));
        ctx.progress.stop();
        // Every training run is recorded (and mirrored to MLflow when MLFLOW_TRACKING_URI is set).
        const { recordRun, currentGitCommit } = await import('../../registry/index.js');
        const { componentBundles, ...params } = options;
        const run = await recordRun(
          {
            train: result,
            params: { ...params, ...(componentBundles.text ? { textBundle: componentBundles.text } : {}), ...(componentBundles.image ? { imageBundle: componentBundles.image } : {}) },
            tags: { backend: engine.backend, threads: String(engine.threads), ...(result.isInterrupted ? { interrupted: 'true' } : {}) },
            gitCommit: await currentGitCommit(process.cwd()),
            ...(flags.experiment ? { experiment: flags.experiment } : {}),
          },
          registry.deps,
        );
        printResult(result, flags.json, () =>
          [
            ...interruptedLines(result),
            `trained ${result.kind} in ${result.trainSeconds.toFixed(1)} s -> ${result.bundleDir}`,
            `validation (${result.validation.samples} products): weighted F1 ${result.validation.weightedF1.toFixed(4)}, accuracy ${result.validation.accuracy.toFixed(4)}, top-3 ${result.validation.top3Accuracy.toFixed(4)}`,
            `calibration: temperature ${result.temperature.toFixed(3)}, ECE ${result.validation.eceBeforeCalibration.toFixed(4)} -> ${result.validation.ece.toFixed(4)}`,
            `bundle sha256 ${result.bundleSha256}, data sha256 ${result.dataSha256.slice(0, 16)}…`,
            `run ${run.id} (rakuten-ml runs show ${run.id}); register it with: rakuten-ml register ${result.bundleDir}`,
          ].join('\n'),
        );
      } finally {
        interrupt.release();
        ctx.progress.stop();
        await registry.close();
      }
    });
}

/**
 * First Ctrl-C: stop after the current step, keep the best epoch as the bundle and the checkpoint
 * for --resume. A second Ctrl-C falls through to Node's default (exit at once).
 */
function stopOnCtrlC(ctx: CommandContext): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    ctx.progress.stop();
    process.stderr.write('\nCtrl-C: stopping after this step and writing the best epoch so far (Ctrl-C again to quit at once)\n');
    controller.abort();
    process.off('SIGINT', onSigint);
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, release: () => process.off('SIGINT', onSigint) };
}

function interruptedLines(result: TrainResult): string[] {
  if (!result.isInterrupted) return [];
  const best = result.history.reduce<TrainResult['history'][number] | undefined>(
    (a, r) => (!a || r.validationWeightedF1 > a.validationWeightedF1 ? r : a),
    undefined,
  );
  return [
    `interrupted after ${result.history.length} epoch(s); the bundle holds epoch ${best ? best.epoch + 1 : '-'} (the best so far)`,
    `continue with: rakuten-ml train --resume ${result.bundleDir}`,
  ];
}

async function resumeCommand(flags: TrainFlags, from: string, ctx: CommandContext): Promise<void> {
  const [{ useBackend }, { resumeTraining }] = await Promise.all([
    import('../../models/engine/index.js'),
    import('../../models/resume-training.js'),
  ]);
  const engine = await useBackend({ preference: ctx.config.engine.backend, threads: ctx.config.engine.threads });
  process.stderr.write(`engine: ${engine.backend} (${engine.threads} thread(s)) — ${engine.reason}\n`);
  const registry = await openRegistry(flags);
  const interrupt = stopOnCtrlC(ctx);
  try {
    const { db } = registry.deps;
    const isPath = existsSync(from) || existsSync(`${path.resolve(from)}.checkpoint`);
    const bundleDir = isPath ? from : await bundleOfRun(from, registry.deps);
    const epochs = positiveNumber('epochs', flags.epochs);
    const result = await resumeTraining(
      { from: path.resolve(bundleDir), ...(epochs === undefined ? {} : { epochs }) },
      { db, log: ctx.log, engine, onProgress: (p) => ctx.progress.update(p), signal: interrupt.signal },
    );
    ctx.progress.stop();
    printResult(result, flags.json, () =>
      [
        ...interruptedLines(result),
        `resumed ${result.kind}: ${result.history.length} epoch(s) in all (${result.trainSeconds.toFixed(1)} s this session) -> ${result.bundleDir}`,
        `validation (${result.validation.samples} products): weighted F1 ${result.validation.weightedF1.toFixed(4)}, accuracy ${result.validation.accuracy.toFixed(4)}`,
        `register it with: rakuten-ml register ${result.bundleDir}`,
      ].join('\n'),
    );
  } finally {
    interrupt.release();
    ctx.progress.stop();
    await registry.close();
  }
}

/** A run id -> the bundle it wrote (runs are recorded when training ends, Ctrl-C included). */
async function bundleOfRun(id: string, deps: RegistryDeps): Promise<string> {
  const { getRun } = await import('../../registry/index.js');
  let bundlePath: string | null;
  try {
    bundlePath = (await getRun(deps.db, id)).bundle_path;
  } catch (error: unknown) {
    throw new NotFoundError('TRAIN_CHECKPOINT_NOT_FOUND', `"${id}" is neither a bundle folder with a checkpoint nor a run id.`, {
      hint: 'Pass the --out folder of the interrupted run (a <folder>.checkpoint file sits beside it).',
      cause: error,
    });
  }
  if (bundlePath === null) throw new NotFoundError('TRAIN_CHECKPOINT_NOT_FOUND', `Run ${id} wrote no bundle to resume.`);
  return bundlePath;
}
