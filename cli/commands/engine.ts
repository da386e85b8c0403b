import os from 'node:os';
import type { Command } from 'commander';
import { type GlobalFlags, openContext, printResult } from '../context.js';

interface InstallFlags {
  gpu?: boolean;
  tensorflowVersion?: string;
  wheel?: string;
  force?: boolean;
}

const mb = (bytes: number): string => `${Math.round(bytes / 1e6)} MB`;

export function registerEngineCommands(program: Command): void {
  const engine = program
    .command('engine')
    .description('The native TensorFlow engine (tfjs-node built from PyPI\'s TensorFlow): install it, see its status.');

  engine
    .command('install')
    .description(
      'Build tfjs-node (CPU) or tfjs-node-gpu (--gpu) against the TensorFlow C library in PyPI\'s wheel, into\n' +
        '~/.cache/rakuten-ml/engine, and verify it with one training step. Needs python3 + pip, g++, make and\n' +
        'Node\'s headers; downloads ~274 MB (CPU) once. A second run with the same wheel does nothing.',
    )
    .option('--gpu', 'build tfjs-node-gpu from the tensorflow wheel and its nvidia-*-cu12 CUDA wheels')
    .option('--tensorflow-version <v>', 'TensorFlow version to fetch with pip', '2.21.0')
    .option('--wheel <file>', 'a tensorflow(-cpu) wheel already on disk instead of downloading one')
    .option('--force', 'rebuild even when the same wheel is already built')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags & InstallFlags>();
      const ctx = openContext(flags);
      const { installEngine } = await import('../../pipelines/engine-install.js');
      const { defaultNativeEngineDir } = await import('../../models/engine/index.js');
      const result = await installEngine(
        {
          engineDir: defaultNativeEngineDir(os.homedir()),
          isGpu: flags.gpu === true,
          tensorflowVersion: flags.tensorflowVersion ?? '2.21.0',
          wheel: flags.wheel,
          isForced: flags.force === true,
          env: process.env,
          nodeExecPath: process.execPath,
          platform: process.platform,
          arch: process.arch,
        },
        { onProgress: (p) => ctx.progress.update(p) },
      );
      ctx.progress.stop();
      printResult(result, flags.json, () =>
        [
          `${result.action === 'build' ? 'built' : result.action === 'relink' ? 'relinked' : 'unchanged'}: ${result.variant} from ${result.tensorflowPackage} ${result.tensorflowVersion} in ${result.dir} (${mb(result.sizeBytes)}) — ${result.why}`,
          ...result.steps.map((s) => `  ${s.step.padEnd(14)} ${s.seconds.toFixed(1).padStart(6)} s`),
          ...(result.verify
            ? [`verified: one training step on '${result.verify.backend}' (TensorFlow ${result.verify.tensorflowVersion}), loss ${result.verify.loss.toFixed(3)}, ${result.verify.stepMs.toFixed(0)} ms`]
            : []),
          `total ${(result.durationMs / 1000).toFixed(1)} s. \`--backend auto\` now picks tensorflow; \`--backend wasm\` still picks wasm.`,
        ].join('\n'),
      );
    });

  engine
    .command('status')
    .description('Which native engine is installed, which TensorFlow it was built from, and which backend runs and why.')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const ctx = openContext(flags);
      const { describeEngine, formatEngineStatus } = await import('../../pipelines/engine-status.js');
      const status = await describeEngine(ctx.config, os.homedir());
      printResult(status, flags.json, () => formatEngineStatus(status));
    });
}
