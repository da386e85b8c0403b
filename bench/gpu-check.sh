#!/usr/bin/env bash
# bench/gpu-check.sh — one prepared check for a Linux x86_64 machine with an NVIDIA GPU (issue #11):
# builds the GPU engine (`rakuten-ml engine install --gpu`: PyPI's tensorflow wheel + the
# nvidia-*-cu12 wheels its "and-cuda" extra names), runs `doctor`, then times training steps of the
# reference LSTM, CNN and fusion models on the GPU and on the CPU (same build, GPU hidden with
# CUDA_VISIBLE_DEVICES=-1) and prints ONE JSON line on stdout; everything else goes to stderr.
#
#   bash bench/gpu-check.sh                      # on the GPU machine, from the checkout
#   GPU_CHECK_STEPS=5                            # timed steps per measurement (default 5)
#   GPU_CHECK_VARIANT=cpu GPU_CHECK_ALLOW_NO_GPU=1 bash bench/gpu-check.sh
#                                                # the script's CPU path, on a machine without a GPU
# Offline: put the wheels in a folder and export PIP_NO_INDEX=1 PIP_FIND_LINKS=<folder> (pip reads
# both), or pass GPU_CHECK_WHEEL=<tensorflow wheel> (the CUDA wheels still come through pip).
# Needs: Node 20+, npm, python3 with pip, g++, make; network for npm ci / pip unless prepared.
set -euo pipefail
cd "$(dirname "$0")/.."

steps="${GPU_CHECK_STEPS:-5}"
variant="${GPU_CHECK_VARIANT:-gpu}"
say() { printf '== %s\n' "$*" >&2; }
fail() { printf '{"ok":false,"error":"%s"}\n' "$1"; exit 1; }

gpu_name="none"
if command -v nvidia-smi >/dev/null 2>&1; then
  gpu_name="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -n 1)"
  say "GPU: $gpu_name"
elif [ "${GPU_CHECK_ALLOW_NO_GPU:-0}" != "1" ]; then
  fail "no nvidia-smi: this is not a GPU machine (set GPU_CHECK_ALLOW_NO_GPU=1 to test the CPU path)"
fi

if [ ! -d node_modules/@tensorflow/tfjs ]; then say "npm ci"; npm ci --no-audit --no-fund >&2; fi
# From source through tsx (a dev dependency), as bench/engine-step.ts runs: no build step to go stale.
cli() { node --import tsx cli/main.ts "$@"; }

install_args=(engine install)
if [ "$variant" = "gpu" ]; then install_args+=(--gpu); fi
if [ -n "${GPU_CHECK_WHEEL:-}" ]; then install_args+=(--wheel "$GPU_CHECK_WHEEL"); fi
say "rakuten-ml ${install_args[*]}"
install_started=$(date +%s)
cli "${install_args[@]}" >&2 || fail "engine install failed (see stderr)"
install_seconds=$(( $(date +%s) - install_started ))

say "rakuten-ml --backend tensorflow doctor"
# doctor's exit code also reflects the data folder and database, which a bare GPU machine may lack.
doctor_json="$(cli --backend tensorflow doctor --json || true)"
[ -n "$doctor_json" ] || fail "doctor printed nothing"
printf '%s\n' "$doctor_json" >&2

# One measurement: prints engine-step's JSON line; TensorFlow's own log (level 0) is kept on disk so
# the GPU placement ("Created device ... GPU:0") can be confirmed.
logs="$(mktemp -d)"
measure() { # $1 model, $2 gpu|cpu
  local hide=()
  if [ "$2" = "cpu" ]; then hide=(env CUDA_VISIBLE_DEVICES=-1); fi
  say "measuring $1 on $2, $steps steps"
  "${hide[@]}" env TF_CPP_MIN_LOG_LEVEL=0 node --import tsx bench/engine-step.ts tensorflow "$1" "$steps" 2>"$logs/$1-$2.log" | tail -n 1
}

results="{}"
for model in lstm cnn fusion; do
  for device in gpu cpu; do
    line="$(measure "$model" "$device" || true)"
    [ -n "$line" ] || line="{\"error\":\"$(tail -n 1 "$logs/$model-$device.log" | tr -d '"\\' | cut -c1-200)\"}"
    results="$(node -e 'const [r, m, d, l] = process.argv.slice(1); const o = JSON.parse(r); (o[m] ??= {})[d] = JSON.parse(l); console.log(JSON.stringify(o));' "$results" "$model" "$device" "$line")"
  done
done
gpu_device_created=false
if grep -qs 'Created device .*GPU:0' "$logs"/*-gpu.log; then gpu_device_created=true; fi

node -e '
const [results, gpu, doctor, installSeconds, variant, gpuUsed] = process.argv.slice(1);
const r = JSON.parse(results);
const d = JSON.parse(doctor);
const row = (m) => {
  const g = r[m]?.gpu ?? {}, c = r[m]?.cpu ?? {};
  return { gpuSecondsPerStep: g.secondsPerStep ?? null, cpuSecondsPerStep: c.secondsPerStep ?? null,
    gpuOverCpuSpeedup: g.secondsPerStep && c.secondsPerStep ? +(c.secondsPerStep / g.secondsPerStep).toFixed(2) : null,
    batch: g.batch ?? c.batch ?? null, peakRssMb: { gpu: g.peakRssMb ?? null, cpu: c.peakRssMb ?? null },
    ...(g.error || c.error ? { error: g.error ?? c.error } : {}) };
};
console.log(JSON.stringify({ ok: true, gpu, variant, gpuDeviceCreated: gpuUsed === "true",
  backend: d.engine?.backend ?? null, tensorflow: d.engine?.tensorflowVersion ?? null, native: d.nativeEngine?.reason ?? null,
  installSeconds: Number(installSeconds), lstm: row("lstm"), cnn: row("cnn"), fusion: row("fusion") }));
' "$results" "$gpu_name" "$doctor_json" "$install_seconds" "$variant" "$gpu_device_created"
