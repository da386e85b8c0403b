import type { Command } from 'commander';
import { InputError } from '../../core/index.js';
import { printResult } from '../context.js';
import { openRegistry, type RegistryFlags } from '../registry-context.js';

interface RetrainFlags extends RegistryFlags {
  model: string;
  name: string;
  dryRun?: boolean;
  epochs?: string;
  seed?: string;
  margin?: string;
  evalSplit: string;
  experiment?: string;
  textModel?: string;
  imageModel?: string;
  backbone?: string;
  arch?: string;
}

function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InputError('CONFIG_INVALID', `--${flag} must be a non-negative number, got "${value}"`);
  return n;
}

export function registerRetrainCommand(program: Command): void {
  program
    .command('retrain')
    .description(
      'The weekly loop as one command: clean and split every labelled product (challenge data and\n' +
        'seller-confirmed products), train, record the run, score the challenger and the champion on the\n' +
        'same split, register, and push + promote when the gate passes. Exit 5 when the gate refuses.\n' +
        'Reruns on unchanged data reuse the registered version; one run at a time (<home>/retrain.lock).',
    )
    .option('--model <kind>', 'text-svm | tfidf | tfidf-char | fasttext | word-cnn | lstm | cnn | image-transfer | fusion | late-fusion', 'tfidf-char')
    .option('--text-model <kind>', 'fusion / late-fusion: the text part rebuilt first (default text-svm)')
    .option('--image-model <kind>', 'fusion / late-fusion: the image part rebuilt first (default image-transfer)')
    .option('--backbone <name|dir>', 'image-transfer (or an image-transfer part): the pretrained backbone (default mobilenet-v2-mid)')
    .option('--arch <arch>', 'fusion: parts (default) or reference (both trunks from scratch)')
    .option('--name <name>', 'registered model name', 'rakuten')
    .option('--dry-run', 'do everything except push and promote')
    .option('--epochs <n>', 'maximum epochs (default per model)')
    .option('--seed <n>', 'split and training seed (default 42)')
    .option('--margin <f1>', 'weighted F1 gain over the champion needed to promote (default 0.005)')
    .option('--eval-split <split>', 'split both models are scored on', 'test')
    .option('--experiment <name>', 'experiment the run is recorded under', 'retrain')
    .option('--actor <who>', 'recorded in the audit trail (default $USER)')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<RetrainFlags>();
      const [{ MODEL_KINDS }, { SPLIT_NAMES }] = await Promise.all([
        import('../../models/classifiers/classifier.js'),
        import('../../data/index.js'),
      ]);
      const kindOf = (flag: string, value: string) => {
        const found = MODEL_KINDS.find((k) => k === value);
        if (!found) throw new InputError('CONFIG_INVALID', `Cannot retrain ${flag} "${value}"`, { hint: `Use one of: ${MODEL_KINDS.join(', ')}` });
        return found;
      };
      const kind = kindOf('model kind', flags.model);
      const parts = {
        ...(flags.textModel ? { text: kindOf('--text-model', flags.textModel) } : {}),
        ...(flags.imageModel ? { image: kindOf('--image-model', flags.imageModel) } : {}),
      };
      if (flags.arch !== undefined && flags.arch !== 'parts' && flags.arch !== 'reference') {
        throw new InputError('CONFIG_INVALID', `Unknown --arch "${flags.arch}"`, { hint: 'Use --arch parts or --arch reference.' });
      }
      const isReferenceFusion = kind === 'fusion' && flags.arch === 'reference';
      const evalSplit = SPLIT_NAMES.find((s) => s === flags.evalSplit);
      if (!evalSplit) throw new InputError('CONFIG_INVALID', `Unknown split "${flags.evalSplit}"`, { hint: `Use one of: ${SPLIT_NAMES.join(', ')}` });
      const [{ useBackend }, { runRetrain }, { TRAINING_DEFAULTS, SHARED_DEFAULTS, REFERENCE_FUSION_DEFAULTS }, { currentGitCommit, GateFailedError }] = await Promise.all([
        import('../../models/engine/index.js'),
        import('../../pipelines/retrain.js'),
        import('../../models/training-defaults.js'),
        import('../../registry/index.js'),
      ]);
      const registry = await openRegistry(flags);
      const { ctx } = registry;
      try {
        const engine = await useBackend({ preference: ctx.config.engine.backend, threads: ctx.config.engine.threads });
        const seed = numberFlag('seed', flags.seed) ?? SHARED_DEFAULTS.seed;
        const margin = numberFlag('margin', flags.margin);
        const result = await runRetrain(
          {
            name: flags.name,
            kind,
            options: {
              ...SHARED_DEFAULTS,
              ...(isReferenceFusion ? REFERENCE_FUSION_DEFAULTS : TRAINING_DEFAULTS[kind]),
              seed,
              epochs: numberFlag('epochs', flags.epochs) ?? (isReferenceFusion ? REFERENCE_FUSION_DEFAULTS : TRAINING_DEFAULTS[kind]).epochs,
              ...(flags.backbone ? { backbone: flags.backbone } : {}),
              ...(kind === 'fusion' ? { fusionArch: isReferenceFusion ? ('reference' as const) : ('parts' as const) } : {}),
            },
            ...(Object.keys(parts).length > 0 ? { parts } : {}),
            home: ctx.config.home,
            seed,
            isDryRun: flags.dryRun === true,
            evalSplit,
            ...(margin !== undefined ? { marginF1: margin } : {}),
            ...(flags.experiment ? { experiment: flags.experiment } : {}),
            gitCommit: await currentGitCommit(process.cwd()),
          },
          { ...registry.deps, engine },
        );
        ctx.progress.stop();
        printResult(result, flags.json, () =>
          [
            ...result.steps.map((s) => `  ${s.step.padEnd(10)} ${s.seconds.toFixed(1).padStart(7)} s`),
            `${result.name} v${result.version} (${result.kind}${result.isNewVersion ? ', new' : ''}) on data ${result.dataSha256.slice(0, 12)}: ${result.decision}`,
            ...(result.gate ? [`gate: ${result.gate.reason}`] : []),
            `champion: ${result.championBefore ?? 'none'} -> ${result.championAfter ?? 'none'}`,
            `report: ${result.reportPath}`,
          ].join('\n'),
        );
        if (result.decision === 'keep-champion') {
          throw new GateFailedError('REGISTRY_GATE_FAILED', `The challenger v${result.version} did not beat the champion: ${result.gate?.reason ?? ''}. The champion is unchanged.`, {
            hint: 'This is a normal weekly outcome; the challenger stays under the `challenger` alias.',
          });
        }
      } finally {
        ctx.progress.stop();
        await registry.close();
      }
    });
}
