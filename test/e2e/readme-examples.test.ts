import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { extractShellBlocks } from './readme-examples.js';

// `.ci/run` runs README's examples for real (test/e2e/readme-examples.ts); this checks, fast, that the
// extraction finds them and that README names only commands the CLI has.

const run = promisify(execFile);

describe('README examples', () => {
  it('extracts ```bash blocks in order, with the reason a block is not run', () => {
    const markdown = [
      '# title',
      '<!-- example: not run: needs a server -->',
      '',
      '```bash',
      'rakuten-ml serve &',
      '```',
      'text',
      '```bash',
      'rakuten-ml doctor',
      'rakuten-ml data import',
      '```',
      '- a list item:',
      '  <!-- example: not run: a service -->',
      '  ```bash',
      '  export X=1',
      '  ```',
      '```ts',
      'const a = 1;',
      '```',
    ].join('\n');
    expect(extractShellBlocks(markdown)).toEqual([
      { line: 4, code: 'rakuten-ml serve &', skipReason: 'needs a server' },
      { line: 8, code: 'rakuten-ml doctor\nrakuten-ml data import' },
      { line: 14, code: 'export X=1', skipReason: 'a service' },
    ]);
  });

  it('README runs some examples and uses only commands the CLI lists', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const blocks = extractShellBlocks(readme);
    expect(blocks.filter((b) => b.skipReason === undefined).length).toBeGreaterThan(0);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', '--help'], { timeout: 60_000 });
    const commands = new Set([...stdout.matchAll(/^ {2}([a-z]+)[ |]/gm)].map((m) => m[1]));
    const used = new Set(
      blocks.flatMap((b) => [...b.code.matchAll(/(?:^|\| |&& )rakuten-ml (?:--[a-z-]+ \S+ )*([a-z]+)/gm)].map((m) => m[1])),
    );
    expect(used.size).toBeGreaterThan(3);
    expect([...used].filter((c) => !commands.has(c))).toEqual([]);
  });
});
