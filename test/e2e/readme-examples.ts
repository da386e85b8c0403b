/**
 * Runs README.md's shell examples as a newcomer would (issue #13): every ```bash block in order, in
 * one fresh folder, each under `set -euo pipefail`, with `rakuten-ml` taken from PATH (the README's
 * set-up line puts it there with `npm link`). A block preceded by `<!-- example: not run: <reason> -->`
 * is skipped (the set-up itself, a server session) and the reason printed.
 *
 *   node --import tsx test/e2e/readme-examples.ts [README.md]
 *
 * `.ci/run` calls it after `npm ci && npm link`; `readme-examples.test.ts` checks the extraction.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ShellBlock {
  /** 1-based line of the opening fence in the Markdown file. */
  line: number;
  code: string;
  /** Why the block is not run, from the `<!-- example: not run: … -->` line above it. */
  skipReason?: string;
}

const SKIP_MARK = /^<!--\s*example:\s*not run:\s*(.+?)\s*-->$/;
const OPEN_FENCE = /^```(bash|sh|shell)\s*$/;

/** The ```bash blocks of a Markdown text, in order, each with the skip reason written above it. */
export function extractShellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: ShellBlock[] = [];
  let previous = '';
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const text = raw.trim();
    if (OPEN_FENCE.test(text)) {
      // A fence inside a list item is indented; its body is indented the same way.
      const indent = raw.length - raw.trimStart().length;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && (lines[i] ?? '').trim() !== '```'; i++) body.push((lines[i] ?? '').slice(indent));
      const skip = SKIP_MARK.exec(previous);
      blocks.push({ line: start + 1, code: body.join('\n'), ...(skip?.[1] ? { skipReason: skip[1] } : {}) });
      previous = '';
      continue;
    }
    if (text !== '') previous = text;
  }
  return blocks;
}

function onPath(command: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function runExamples(readmePath: string): number {
  const blocks = extractShellBlocks(readFileSync(readmePath, 'utf8'));
  if (!onPath('rakuten-ml')) {
    process.stderr.write('rakuten-ml is not on PATH: run the README set-up line (npm ci && npm link) first.\n');
    return 2;
  }
  // A fresh folder outside the repository, as a newcomer's shell would be after the set-up line.
  const folder = mkdtempSync(path.join(tmpdir(), 'rakuten-readme-'));
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const dataDir = process.env.RAKUTEN_DATA_DIR ?? path.resolve(repoRoot, '..', 'shared', 'data', 'rakuten');
  if (!existsSync(dataDir)) {
    process.stderr.write(`The challenge data is not at ${dataDir}: set RAKUTEN_DATA_DIR.\n`);
    return 2;
  }
  // The README's default home (./.rakuten-ml in the current folder), not one set for other runs.
  const { RAKUTEN_ML_HOME: _home, ...inherited } = process.env;
  const env = { ...inherited, RAKUTEN_DATA_DIR: dataDir };
  process.stdout.write(`README examples from ${readmePath}, run in ${folder}\n`);
  for (const block of blocks) {
    const where = `${path.basename(readmePath)}:${block.line}`;
    if (block.skipReason !== undefined) {
      process.stdout.write(`\n-- ${where} skipped: ${block.skipReason}\n`);
      continue;
    }
    process.stdout.write(`\n-- ${where}\n${block.code}\n`);
    const started = performance.now();
    const result = spawnSync('bash', ['-c', `set -euo pipefail\n${block.code}`], { cwd: folder, env, stdio: 'inherit' });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (result.status !== 0) {
      process.stderr.write(`\nREADME example at ${where} failed (exit ${result.status ?? result.signal}) after ${seconds} s.\n`);
      return 1;
    }
    process.stdout.write(`-- ${where} ok in ${seconds} s\n`);
  }
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const readme = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'));
  process.exitCode = runExamples(readme);
}
