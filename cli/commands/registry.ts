import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/index.js';
import type { RegistryDeps } from '../../registry/index.js';
import { type CommandContext, printResult } from '../context.js';
import { openRegistry, type RegistryFlags } from '../registry-context.js';


/**
 * Builds the registry's dependencies from the config and the standard environment: S3 when
 * RAKUTEN_ML_S3_BUCKET is set (endpoint, region and keys from the AWS_* variables), else `<home>/store`;
 * MLflow when MLFLOW_TRACKING_URI is set.
 */
function versionNumber(value: string): number {
  if (!/^\d+$/.test(value))
    throw new InputError('REGISTRY_REF_INVALID', `A version is a number, got "${value}".`);
  return Number(value);
}

async function withRegistry(
  flags: RegistryFlags,
  action: (deps: RegistryDeps, ctx: CommandContext) => Promise<void>,
): Promise<void> {
  const { ctx, deps, close } = await openRegistry(flags);
  try {
    await action(deps, ctx);
  } finally {
    await close();
  }
}

function registerRunsCommands(program: Command): void {
  const runs = program
    .command('runs')
    .description(
      'Tracked training runs (project database; mirrored to MLflow when MLFLOW_TRACKING_URI is set).',
    );
  runs
    .command('list')
    .description('Newest runs first.')
    .option('--experiment <name>', 'only this experiment')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<RegistryFlags & { experiment?: string; limit: string }>();
      const { listRuns } = await import('../../registry/index.js');
      await withRegistry(flags, async ({ db }) => {
        const result = await listRuns(db, {
          ...(flags.experiment ? { experiment: flags.experiment } : {}),
          limit: versionNumber(flags.limit),
        });
        printResult(result, flags.json, () =>
          result.length === 0
            ? 'no runs yet (`rakuten-ml train` records them)'
            : result
                .map(
                  (r) =>
                    `${r.id}  ${r.experiment}/${r.name}  ${r.status}  F1 ${(r.metrics.validation_weightedF1 ?? Number.NaN).toFixed(4)}  ${r.started_at}`,
                )
                .join('\n'),
        );
      });
    });
  runs
    .command('show')
    .description('One run: params, metrics per epoch, tags, commit, data and bundle.')
    .argument('<id>', 'run id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<RegistryFlags>();
      const { getRun, runHistory } = await import('../../registry/index.js');
      await withRegistry(flags, async ({ db }) => {
        const result = { ...(await getRun(db, id)), history: await runHistory(db, id) };
        printResult(result, flags.json, () => JSON.stringify(result, null, 2));
      });
    });
}

export function registerRegistryCommands(program: Command): void {
  registerRunsCommands(program);
  program
    .command('register')
    .description(
      'Register a bundle as the next version of a model (and its challenger); the same bundle twice returns its version.',
    )
    .argument('<bundle>', 'bundle directory')
    .option('--name <name>', 'registered model name', 'rakuten')
    .option('--eval-split <split>', 'split the weighted F1 is measured on (the gate compares it)', 'test')
    .option('--no-eval', 'record no score (the gate then needs --force)')
    .option('--run <id>', 'the tracked run that trained it')
    .option('--actor <who>', 'recorded in the audit trail (default $USER)')
    .action(async (bundle: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<
        RegistryFlags & { name: string; evalSplit: string; eval: boolean; run?: string }
      >();
      const { registerVersion } = await import('../../registry/index.js');
      await withRegistry(flags, async (deps, ctx) => {
        const evaluate = async (bundleDir: string) => {
          const [{ SPLIT_NAMES }, { useBackend }, { evaluateBundle }] = await Promise.all([
            import('../../data/index.js'),
            import('../../models/engine/index.js'),
            import('../../models/evaluate.js'),
          ]);
          const split = SPLIT_NAMES.find((s) => s === flags.evalSplit);
          if (!split)
            throw new InputError('CONFIG_INVALID', `Unknown split "${flags.evalSplit}"`, {
              hint: `Use ${SPLIT_NAMES.join(', ')}.`,
            });
          await useBackend({ preference: ctx.config.engine.backend, threads: ctx.config.engine.threads });
          const report = await evaluateBundle(
            { bundleDir, split, reportsDir: path.join(ctx.config.home, 'reports') },
            deps,
          );
          return { split, weightedF1: report.metrics.weightedF1 };
        };
        const result = await registerVersion(
          {
            name: flags.name,
            bundleDir: bundle,
            ...(flags.eval ? { evaluate } : {}),
            ...(flags.run ? { runId: flags.run } : {}),
          },
          deps,
        );
        const v = result.version;
        printResult(
          result,
          flags.json,
          () =>
            `${result.isNew ? 'registered' : 'already registered as'} ${v.model_name} v${v.version} (bundle ${v.bundle_sha256.slice(0, 12)}, ` +
            `weighted F1 ${v.weighted_f1?.toFixed(4) ?? 'n/a'} on ${v.eval_split ?? 'no split'})` +
            // register sets only the challenger alias; serving `name@champion` needs a promote (issue #13).
            (result.isNew
              ? `\nnow ${v.model_name}@challenger; \`rakuten-ml promote ${v.model_name} ${v.version}\` makes it ${v.model_name}@champion`
              : ''),
        );
      });
    });
  program
    .command('promote')
    .description(
      "Make a version the champion if it beats the champion's weighted F1 on the same split by the margin (exit 5 if not).",
    )
    .argument('<name>', 'registered model name')
    .argument('<version>', 'version number')
    .option('--margin <f1>', 'required weighted F1 gain', '0.005')
    .option('--force', 'skip the gate (recorded in the audit trail)')
    .option('--actor <who>', 'recorded in the audit trail (default $USER)')
    .action(async (name: string, version: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<RegistryFlags & { margin: string; force?: boolean }>();
      const marginF1 = Number(flags.margin);
      if (!Number.isFinite(marginF1))
        throw new InputError('CONFIG_INVALID', `--margin must be a number, got "${flags.margin}"`);
      const { promoteVersion } = await import('../../registry/index.js');
      await withRegistry(flags, async (deps) => {
        const result = await promoteVersion(
          { name, version: versionNumber(version), marginF1, isForced: flags.force === true },
          deps,
        );
        printResult(result, flags.json, () =>
          result.previousChampion === result.version
            ? `${name} v${result.version} already is the champion`
            : `${name} champion: v${result.previousChampion ?? '-'} -> v${result.version}${result.gate?.isForced ? ' (forced)' : ''}`,
        );
      });
    });
  program
    .command('rollback')
    .description('Point champion back at the previous champion version.')
    .argument('<name>', 'registered model name')
    .option('--actor <who>', 'recorded in the audit trail (default $USER)')
    .action(async (name: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<RegistryFlags>();
      const { rollbackChampion } = await import('../../registry/index.js');
      await withRegistry(flags, async (deps) => {
        const result = await rollbackChampion({ name }, deps);
        printResult(result, flags.json, () => `${name} champion: v${result.replaced} -> v${result.version}`);
      });
    });
  program
    .command('push')
    .description(
      "Upload a version's bundle to the store (S3 when RAKUTEN_ML_S3_BUCKET is set, else <home>/store).",
    )
    .argument('<name>', 'registered model name')
    .argument('<version>', 'version number')
    .option('--actor <who>', 'recorded in the audit trail (default $USER)')
    .action(async (name: string, version: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<RegistryFlags>();
      const { pushVersion } = await import('../../registry/index.js');
      await withRegistry(flags, async (deps) => {
        const result = await pushVersion({ name, version: versionNumber(version) }, deps);
        printResult(result, flags.json, () =>
          result.isAlreadyPushed
            ? `${name} v${version} already in ${result.location}`
            : `pushed ${name} v${version} -> ${result.location}`,
        );
      });
    });
  program
    .command('pull')
    .description('Download a version (number or alias) from the store, checking every sha256.')
    .argument('<name>', 'registered model name')
    .argument('<ref>', 'version number or alias (champion, challenger)')
    .option('--to <dir>', 'target folder (default <home>/cache/models/<name>/<version>-<sha12>)')
    .option('--actor <who>', 'recorded in the audit trail (default $USER)')
    .action(async (name: string, ref: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<RegistryFlags & { to?: string }>();
      const { pullVersion } = await import('../../registry/index.js');
      await withRegistry(flags, async (deps) => {
        const result = await pullVersion({ name, ref, ...(flags.to ? { to: flags.to } : {}) }, deps);
        printResult(
          result,
          flags.json,
          () =>
            `${name} v${result.version} -> ${result.bundleDir}${result.isDownloaded ? '' : ' (already there)'}`,
        );
      });
    });
  program
    .command('registry')
    .description('Inspect the model registry.')
    .command('show')
    .description("A model's versions, aliases and audit trail.")
    .argument('<name>', 'registered model name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<RegistryFlags>();
      const { describeModel } = await import('../../registry/index.js');
      await withRegistry(flags, async ({ db }) => {
        const result = await describeModel(db, name);
        printResult(result, flags.json, () =>
          [
            ...result.versions.map(
              (v) =>
                `v${v.version}  ${v.kind}  F1 ${v.weighted_f1?.toFixed(4) ?? 'n/a'} (${v.eval_split ?? '-'})  ${v.bundle_sha256.slice(0, 12)}  ${v.storage_uri ?? ''}`,
            ),
            `aliases: ${result.aliases.map((a) => `${a.alias}=v${a.version}`).join(', ') || 'none'}`,
            ...result.events.map(
              (e) =>
                `${e.created_at}  ${e.actor}  ${e.action}${e.alias ? ` ${e.alias}` : ''} v${e.version ?? '-'}`,
            ),
          ].join('\n'),
        );
      });
    });
}
