/**
 * The TensorFlow side of `engine install`: fetch PyPI's wheel with pip and take out of it the C
 * library (libtensorflow_cc.so.2 exports the C API tfjs-node binds to) and the headers the binding
 * includes. Python does the unzipping: it is needed for pip anyway, and reads zip64 members that
 * large without extra packages.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, InputError, type ProgressListener, UpstreamError } from '../core/index.js';
import { type Env, isPipUnreachable, runCommand } from './engine-tools.js';

/** The C API entry points tfjs-node calls first; a library without them cannot back the binding. */
export const REQUIRED_C_API_SYMBOLS = ['TFE_NewContext', 'TFE_Execute', 'TF_Version', 'TF_NewStatus'] as const;

// The wheels are the same C library whatever the Python: ask pip for the cp311 build explicitly,
// so the local Python version (3.9 or 3.13) never changes what gets downloaded.
const PIP_TARGET = ['--python-version', '3.11', '--only-binary=:all:', '--platform', 'manylinux_2_27_x86_64', '--platform', 'manylinux_2_17_x86_64', '--platform', 'manylinux2014_x86_64'];

const SIZE_UNITS: Record<string, number> = { kB: 1e3, MB: 1e6, GB: 1e9 };

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return 0; // pip has not created it yet
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    try {
      total += (await stat(path.join(entry.parentPath, entry.name))).size;
    } catch {
      // pip renamed the file between the listing and the stat: counted on the next tick.
    }
  }
  return total;
}

export interface DownloadInput {
  python: string;
  requirements: string[];
  destDir: string;
  /** pip's scratch folder, watched for progress. */
  tmpDir: string;
  env: Env;
  stage: string;
  onProgress?: ProgressListener | undefined;
}

/** `pip download --no-deps` of the given requirements into destDir; progress in MB from the files pip writes. */
export async function downloadWheels(input: DownloadInput): Promise<string[]> {
  let totalBytes = 0;
  const report = async (): Promise<void> => {
    const done = (await folderBytes(input.tmpDir)) + (await folderBytes(input.destDir));
    const total = Math.max(totalBytes, done);
    input.onProgress?.({ stage: input.stage, done: Math.round(done / 1e6), total: Math.max(1, Math.round(total / 1e6)), detail: 'MB' });
  };
  // pip honours TMPDIR only when the folder exists; watching it is how download progress is seen.
  await mkdir(input.tmpDir, { recursive: true });
  const timer = setInterval(() => void report(), 2000);
  try {
    const args = ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '--progress-bar', 'off', ...PIP_TARGET, '--dest', input.destDir, ...input.requirements];
    const result = await runCommand(input.python, args, {
      env: { ...input.env, TMPDIR: input.tmpDir },
      onLine: (line) => {
        const size = /Downloading .*\(([\d.]+) (kB|MB|GB)\)/.exec(line);
        if (size?.[1] && size[2]) totalBytes += Number(size[1]) * (SIZE_UNITS[size[2]] ?? 1);
      },
    });
    if (result.code !== 0) {
      const output = `${result.stdout}\n${result.stderrTail}`;
      if (/No module named pip/.test(output)) {
        throw new AppError('ENGINE_TOOL_MISSING', `${input.python} has no pip.`, { hint: 'Debian/Ubuntu: apt-get install python3-pip; or python3 -m ensurepip.' });
      }
      if (isPipUnreachable(output)) {
        throw new UpstreamError('ENGINE_WHEEL_UNREACHABLE', `pip could not reach its package index to download ${input.requirements.join(' ')}.`, {
          hint: 'Check the network or proxy (pip honours HTTPS_PROXY and PIP_INDEX_URL), or pass a downloaded wheel with --wheel <file>.',
        });
      }
      throw new InputError('ENGINE_WHEEL_NOT_FOUND', `pip could not download ${input.requirements.join(' ')}: ${result.stderrTail.split('\n').filter(Boolean).at(-1) ?? 'no output'}`, {
        hint: 'Check the version with --tensorflow-version (it needs a Linux x86_64 wheel on PyPI), or pass a wheel with --wheel <file>.',
      });
    }
    await report();
    return (await readdir(input.destDir)).filter((f) => f.endsWith('.whl')).map((f) => path.join(input.destDir, f));
  } finally {
    clearInterval(timer);
  }
}

// Reads the wheel's METADATA, copies the two libraries (scanning the C API's names on the way)
// and the headers the binding includes, following their #include graph (a few dozen files instead
// of the wheel's 13,000), and prints JSON lines: {"progress",...} while copying, then the summary.
const EXTRACT_TF = String.raw`
import json, os, re, sys, zipfile
wheel, lib_dir, inc_dir, binding_dir = sys.argv[1:5]
symbols = sys.argv[5].split(',')
z = zipfile.ZipFile(wheel)
names = set(z.namelist())
meta_name = next((n for n in names if n.endswith('.dist-info/METADATA')), None)
meta = z.read(meta_name).decode('utf8', 'replace') if meta_name else ''
def field(key):
    m = re.search(r'^' + key + r': (\S+)', meta, re.M)
    return m.group(1) if m else None
cuda = [m.group(1).replace(' ', '') for m in re.finditer(r'^Requires-Dist: ([^;\n]+?) *; *extra == "and-cuda"', meta, re.M)]
libs = ['tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2']
missing = [l for l in libs if l not in names]
if missing:
    print(json.dumps({'missingFiles': missing, 'name': field('Name'), 'version': field('Version')}))
    sys.exit(0)
prefix = 'tensorflow/include/'
seeds = set()
for f in os.listdir(binding_dir):
    if f.endswith(('.h', '.cc')):
        text = open(os.path.join(binding_dir, f), encoding='utf8', errors='replace').read()
        seeds.update(re.findall(r'#include\s+"(tensorflow/[^"]+)"', text))
headers, todo = set(), list(seeds)
while todo:
    h = todo.pop()
    if h in headers or prefix + h not in names:
        continue
    headers.add(h)
    for inc in re.findall(r'#\s*include\s+[<"]([^">]+)[">]', z.read(prefix + h).decode('utf8', 'replace')):
        if prefix + inc in names:
            todo.append(inc)
total = sum(z.getinfo(l).file_size for l in libs)
found = dict((s, False) for s in symbols)
done, last = 0, 0
for l in libs:
    scan = l.endswith('_cc.so.2')
    tail = b''
    with z.open(l) as src, open(os.path.join(lib_dir, os.path.basename(l)), 'wb') as dst:
        while True:
            chunk = src.read(8 << 20)
            if not chunk:
                break
            dst.write(chunk)
            if scan:
                buf = tail + chunk
                for s in symbols:
                    if not found[s] and (b'\0' + s.encode() + b'\0') in buf:
                        found[s] = True
                tail = buf[-128:]
            done += len(chunk)
            if done - last >= (32 << 20):
                last = done
                print(json.dumps({'progress': done, 'total': total}), flush=True)
for h in headers:
    out = os.path.join(inc_dir, h)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'wb') as dst:
        dst.write(z.read(prefix + h))
print(json.dumps({'name': field('Name'), 'version': field('Version'), 'cuda': cuda, 'bytes': total,
    'headers': len(headers), 'missingHeaders': sorted(s for s in seeds if s not in headers),
    'missingSymbols': [s for s in symbols if not found[s]]}))
`;

// Unpacks the nvidia/ tree of CUDA wheels (libraries only; their headers are not needed to run).
const EXTRACT_NVIDIA = `
import json, os, sys, zipfile
dest = sys.argv[1]
total = 0
for wheel in sys.argv[2:]:
    z = zipfile.ZipFile(wheel)
    for info in z.infolist():
        if info.filename.startswith('nvidia/') and '/include/' not in info.filename and not info.is_dir():
            z.extract(info, dest)
            total += info.file_size
    print(json.dumps({'progress': os.path.basename(wheel)}), flush=True)
print(json.dumps({'bytes': total}))
`;

export interface WheelContents {
  name: string;
  version: string;
  /** The `and-cuda` extra's requirements (GPU wheel only), e.g. "nvidia-cublas-cu12==12.5.3.2". */
  cudaRequirements: string[];
  libraryBytes: number;
  headerCount: number;
}

function lastJson(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').at(-1) ?? '{}';
  const parsed: unknown = JSON.parse(line);
  return typeof parsed === 'object' && parsed !== null ? Object.fromEntries(Object.entries(parsed)) : {};
}

const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/**
 * Copies the TensorFlow C library and the binding's headers out of a wheel, checking that the
 * library exports the C API. Throws ENGINE_WHEEL_INVALID for a wheel that cannot back tfjs-node.
 */
export async function extractTensorflowWheel(input: {
  python: string;
  wheel: string;
  libDir: string;
  includeDir: string;
  bindingSourceDir: string;
  env: Env;
  onProgress?: ProgressListener | undefined;
}): Promise<WheelContents> {
  const args = ['-c', EXTRACT_TF, input.wheel, input.libDir, input.includeDir, input.bindingSourceDir, REQUIRED_C_API_SYMBOLS.join(',')];
  const result = await runCommand(input.python, args, {
    env: input.env,
    onLine: (line) => {
      const m = /^\{"progress": (\d+), "total": (\d+)\}$/.exec(line);
      if (m?.[1] && m[2]) input.onProgress?.({ stage: 'unzip library', done: Math.round(Number(m[1]) / 1e6), total: Math.round(Number(m[2]) / 1e6), detail: 'MB' });
    },
  });
  if (result.code !== 0) {
    throw new InputError('ENGINE_WHEEL_INVALID', `${input.wheel} could not be read as a wheel: ${result.stderrTail.split('\n').filter(Boolean).at(-1) ?? ''}`, {
      hint: 'Pass a tensorflow or tensorflow-cpu wheel for Linux x86_64 (pip download --no-deps tensorflow-cpu==2.21.0).',
    });
  }
  const summary = lastJson(result.stdout);
  const problems = [
    ...stringList(summary.missingFiles).map((f) => `no ${f}`),
    ...stringList(summary.missingHeaders).map((h) => `no header ${h}`),
    ...stringList(summary.missingSymbols).map((s) => `no C API symbol ${s}`),
  ];
  if (problems.length > 0) {
    throw new InputError('ENGINE_WHEEL_INVALID', `${path.basename(input.wheel)} cannot back tfjs-node: ${problems.join(', ')}.`, {
      hint: 'Use a TensorFlow 2.x wheel whose libtensorflow_cc.so.2 exports the C API (tensorflow-cpu or tensorflow 2.16 and later do).',
    });
  }
  return {
    name: typeof summary.name === 'string' ? summary.name : 'tensorflow',
    version: typeof summary.version === 'string' ? summary.version : 'unknown',
    cudaRequirements: stringList(summary.cuda),
    libraryBytes: typeof summary.bytes === 'number' ? summary.bytes : 0,
    headerCount: typeof summary.headers === 'number' ? summary.headers : 0,
  };
}

/** Unpacks the CUDA wheels' nvidia/ folders into destDir (deps/, next to deps/lib/). */
export async function extractNvidiaWheels(input: { python: string; wheels: string[]; destDir: string; env: Env; onProgress?: ProgressListener | undefined }): Promise<number> {
  let done = 0;
  const result = await runCommand(input.python, ['-c', EXTRACT_NVIDIA, input.destDir, ...input.wheels], {
    env: input.env,
    onLine: (line) => {
      if (line.startsWith('{"progress"')) input.onProgress?.({ stage: 'unzip cuda', done: ++done, total: input.wheels.length });
    },
  });
  if (result.code !== 0) {
    throw new InputError('ENGINE_WHEEL_INVALID', `The CUDA wheels could not be unpacked: ${result.stderrTail.split('\n').filter(Boolean).at(-1) ?? ''}`);
  }
  const bytes = lastJson(result.stdout).bytes;
  return typeof bytes === 'number' ? bytes : 0;
}
