import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOnPath } from './engine-tools.js';
import { extractTensorflowWheel, REQUIRED_C_API_SYMBOLS } from './engine-wheel.js';

const python = findOnPath('python3', process.env.PATH) ?? 'python3';

const METADATA = [
  'Metadata-Version: 2.1',
  'Name: tensorflow',
  'Version: 2.21.0',
  'Requires-Dist: absl-py>=1.0.0',
  'Requires-Dist: nvidia-cublas-cu12==12.5.3.2; extra == "and-cuda"',
  'Requires-Dist: nvidia-cudnn-cu12==9.3.0.75; extra == "and-cuda"',
  '',
].join('\n');

/** A tiny wheel shaped like PyPI's: the two libraries, a header graph, METADATA. */
function fakeWheel(options: { symbols: readonly string[]; hasFramework?: boolean }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wheel-'));
  const wheel = path.join(dir, 'tensorflow-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl');
  const members: Record<string, string> = {
    'tensorflow-2.21.0.dist-info/METADATA': METADATA,
    // A dynamic string table: names separated by NUL bytes, as in .dynstr.
    'tensorflow/libtensorflow_cc.so.2': `\u007fELF\u0000${options.symbols.join('\u0000')}\u0000padding`,
    'tensorflow/include/tensorflow/c/c_api.h': '#include "tensorflow/c/tf_status.h"\n#include <stdint.h>\n',
    'tensorflow/include/tensorflow/c/tf_status.h': '#include "tensorflow/c/c_api_macros.h"\n',
    'tensorflow/include/tensorflow/c/c_api_macros.h': '#define TF_CAPI_EXPORT\n',
    'tensorflow/include/tensorflow/core/unrelated.h': '// not included by the binding\n',
  };
  if (options.hasFramework !== false) members['tensorflow/libtensorflow_framework.so.2'] = 'framework';
  const script = 'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w")\nfor k, v in json.loads(sys.argv[2]).items(): z.writestr(k, v)\nz.close()';
  execFileSync(python, ['-c', script, wheel, JSON.stringify(members)]);
  return wheel;
}

function targets(): { libDir: string; includeDir: string; bindingSourceDir: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'engine-deps-'));
  const dirs = { libDir: path.join(root, 'lib'), includeDir: path.join(root, 'include'), bindingSourceDir: path.join(root, 'binding') };
  for (const dir of Object.values(dirs)) mkdirSync(dir);
  writeFileSync(path.join(dirs.bindingSourceDir, 'tfjs_backend.cc'), '#include "tensorflow/c/c_api.h"\n#include <node_api.h>\n');
  return dirs;
}

describe('extractTensorflowWheel', () => {
  it('copies both libraries and only the headers the binding includes, and reads version and CUDA wheels', async () => {
    const dirs = targets();
    const contents = await extractTensorflowWheel({ python, wheel: fakeWheel({ symbols: REQUIRED_C_API_SYMBOLS }), ...dirs, env: process.env });
    expect(contents).toMatchObject({ name: 'tensorflow', version: '2.21.0', headerCount: 3 });
    expect(contents.cudaRequirements).toEqual(['nvidia-cublas-cu12==12.5.3.2', 'nvidia-cudnn-cu12==9.3.0.75']);
    expect(readFileSync(path.join(dirs.libDir, 'libtensorflow_framework.so.2'), 'utf8')).toBe('framework');
    expect(existsSync(path.join(dirs.includeDir, 'tensorflow', 'c', 'c_api_macros.h'))).toBe(true);
    expect(existsSync(path.join(dirs.includeDir, 'tensorflow', 'core', 'unrelated.h'))).toBe(false);
  });

  it('refuses a library without the C API and names the missing symbols', async () => {
    const attempt = extractTensorflowWheel({ python, wheel: fakeWheel({ symbols: ['TF_Version', 'TF_NewStatus'] }), ...targets(), env: process.env });
    await expect(attempt).rejects.toMatchObject({ code: 'ENGINE_WHEEL_INVALID', message: expect.stringMatching(/no C API symbol TFE_NewContext, no C API symbol TFE_Execute/) });
  });

  it('refuses a wheel without the framework library', async () => {
    const attempt = extractTensorflowWheel({ python, wheel: fakeWheel({ symbols: REQUIRED_C_API_SYMBOLS, hasFramework: false }), ...targets(), env: process.env });
    await expect(attempt).rejects.toMatchObject({ code: 'ENGINE_WHEEL_INVALID', message: expect.stringContaining('libtensorflow_framework.so.2') });
  });

  it('refuses a file that is not a wheel', async () => {
    const notWheel = path.join(mkdtempSync(path.join(tmpdir(), 'wheel-')), 'x.whl');
    writeFileSync(notWheel, 'not a zip');
    const attempt = extractTensorflowWheel({ python, wheel: notWheel, ...targets(), env: process.env });
    await expect(attempt).rejects.toMatchObject({ code: 'ENGINE_WHEEL_INVALID', hint: expect.stringContaining('pip download') });
  });
});
