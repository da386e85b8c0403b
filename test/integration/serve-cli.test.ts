import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTextServeFixture } from '../support/serve-fixtures.js';

// `rakuten-ml serve` as a user meets it (issue #13): refs that name nothing exit 3 (not found) with a
// hint that says what to do, and its warnings read like its "listening" line on a terminal.

let fixture: Awaited<ReturnType<typeof buildTextServeFixture>>;
let home: string;

beforeAll(async () => {
  fixture = await buildTextServeFixture();
  home = mkdtempSync(path.join(os.tmpdir(), 'rakuten-serve-cli-'));
});
afterAll(() => {
  fixture?.cleanup();
  if (home) rmSync(home, { recursive: true, force: true });
});

// No JWT secret and no NODE_ENV: serve warns, then tries to load the model.
const env = (): NodeJS.ProcessEnv => {
  const { RAKUTEN_ML_JWT_SECRET: _secret, NODE_ENV: _env, ...rest } = process.env;
  return rest;
};

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', '--home', home, ...args], { env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('rakuten-ml serve (issue #13)', () => {
  it('exits 3 for a missing bundle and an unknown model name, as evaluate does', async () => {
    const missing = await cli('serve', '--model', path.join(home, 'no-such-bundle'), '--port', '0');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('error [BUNDLE_NOT_FOUND]');
    const unknown = await cli('serve', '--model', 'nobody@champion', '--port', '0');
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('error [REGISTRY_MODEL_NOT_FOUND]');
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    // Not a terminal: the warning stays a structured log line.
    const warning = unknown.stderr.split('\n').find((line) => line.includes('RAKUTEN_ML_JWT_SECRET'));
    expect(JSON.parse(warning ?? '{}')).toMatchObject({ level: 40, msg: expect.stringContaining('RAKUTEN_ML_JWT_SECRET is unset') });
  });

  it('says to promote when only the challenger is set, from register and from serve', async () => {
    const registered = await cli('register', fixture.textBundle, '--name', 'shop', '--no-eval');
    expect(registered.code, registered.stderr).toBe(0);
    expect(registered.stdout).toContain('now shop@challenger; `rakuten-ml promote shop 1` makes it shop@champion');
    const champion = await cli('serve', '--model', 'shop@champion', '--port', '0');
    expect(champion.code).toBe(3);
    expect(champion.stderr).toContain('error [REGISTRY_ALIAS_NOT_SET]');
    expect(champion.stderr).toMatch(/hint: .*rakuten-ml promote shop/);
    const version = await cli('serve', '--model', 'shop@7', '--port', '0');
    expect(version.code).toBe(3);
    expect(version.stderr).toContain('error [REGISTRY_VERSION_NOT_FOUND]');
  });

  it('prints its warning on a terminal as a human line, like its "listening" line', () => {
    // script(1) gives the CLI a pseudo-terminal, as a person at a shell has.
    const command = [process.execPath, '--import', 'tsx', 'cli/main.ts', '--home', home, 'serve', '--model', 'nobody@champion', '--port', '0'];
    const tty = spawnSync('script', ['-qec', command.map((part) => `'${part}'`).join(' '), '/dev/null'], { env: env(), encoding: 'utf8', timeout: 60_000 });
    expect(tty.error).toBeUndefined();
    expect(tty.stdout).toContain('rakuten-ml serve: warning: RAKUTEN_ML_JWT_SECRET is unset');
    expect(tty.stdout).not.toContain('"level":40');
    expect(tty.status).toBe(3);
  });
});
