#!/usr/bin/env bash
# noop.sh: the no-op re-run alone, measured with many hyperfine runs.
#
# run.sh times one no-op re-run per round through bash + /usr/bin/time, so a
# 10 ms difference between tools drowns in its noise. This script seeds the
# corpus once, completes the target once with airlift, then times the no-op
# re-run of every tool, RUNS rounds with the tools interleaved.
# Layers are small (the no-op never reads a blob), the manifest structure is the
# small corpus's: 20 images, 2 platforms. Prints median, mean, p10 and p90 of
# the wall time of each tool's process; raw times in $BENCH_WORK/out/noop.json.
#
#   ./noop.sh                      # airlift, regsync, regctl-copy-p4, crane-copy-p4
#   RUNS=50 TOOLS="airlift regsync" ./noop.sh
#   TOOLS="airlift=/tmp/before airlift=/tmp/after regsync" ./noop.sh  # two builds
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$BENCH_DIR"
RUNS=${RUNS:-30}
TOOLS=${TOOLS:-airlift regsync regctl-copy-p4 crane-copy-p4}
SRC_PORT=${SRC_PORT:-15021} DST_PORT=${DST_PORT:-15022}
BENCH_PAR=${BENCH_PAR:-4}
CORPUS=${CORPUS:--images 20 -platforms amd64,arm64 -layers 3 -layer-size-mb 1 -tiny-layers 1 -shared-base-mb 1 -families 4 -tags-per-repo 2 -seed 1}
export BENCH_WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/airlift-noop}
export BENCH_SRC=127.0.0.1:$SRC_PORT BENCH_DST=127.0.0.1:$DST_PORT BENCH_PAR
export BENCH_OUT=$BENCH_WORK/out BENCH_REFS=$BENCH_WORK/refs.txt
mkdir -p "$BENCH_WORK" "$BENCH_OUT"
# shellcheck source=lib/registry.sh
source lib/registry.sh
trap 'stop_registry src || true; stop_registry dst || true' EXIT

(cd gen && go build -o "$BENCH_WORK/benchgen" .)
stop_registry src 2>/dev/null || true
stop_registry dst 2>/dev/null || true
rm -rf "$(reg_storage src)" "$(reg_storage dst)"
write_registry_config src "$SRC_PORT"
write_registry_config dst "$DST_PORT"
start_registry src "$SRC_PORT"
start_registry dst "$DST_PORT"
# shellcheck disable=SC2086
"$BENCH_WORK/benchgen" -registry "$BENCH_SRC" $CORPUS -out "$BENCH_REFS" >"$BENCH_WORK/gen.log" 2>&1
write_configs() {
{
  echo "version: 1"
  echo "creds:"
  for r in "$BENCH_SRC" "$BENCH_DST"; do printf '  - registry: %s\n    tls: disabled\n' "$r"; done
  printf 'defaults:\n  parallel: %s\n  skipDockerConfig: true\nsync:\n' "$BENCH_PAR"
  while read -r ref; do
    printf '  - source: %s\n    target: %s\n    type: image\n' "$BENCH_SRC/$ref" "$BENCH_DST/$ref"
  done <"$BENCH_REFS"
} >"$BENCH_WORK/regsync.yml"
sed "s|^|$BENCH_SRC/|" "$BENCH_REFS" >"$BENCH_WORK/airlift-images.txt"
}
write_configs
AIRLIFT=${AIRLIFT:-airlift}
"$AIRLIFT" copy --images "$BENCH_WORK/airlift-images.txt" --to "$BENCH_DST" --no-progress >"$BENCH_WORK/first-copy.log" 2>&1
# LATENCY=10ms: the timed runs go through gen/latency proxies (each byte
# delayed that long in each direction), as in run.sh.
if [[ -n ${LATENCY:-} ]]; then
  (cd gen && go build -o "$BENCH_WORK/latency" ./latency)
  psrc=127.0.0.1:$((SRC_PORT + 100)) pdst=127.0.0.1:$((DST_PORT + 100))
  "$BENCH_WORK/latency" -listen "$psrc" -upstream "$BENCH_SRC" -delay "$LATENCY" & lat1=$!
  "$BENCH_WORK/latency" -listen "$pdst" -upstream "$BENCH_DST" -delay "$LATENCY" & lat2=$!
  trap 'kill $lat1 $lat2 2>/dev/null; stop_registry src || true; stop_registry dst || true' EXIT
  sleep 0.5
  export BENCH_SRC=$psrc BENCH_DST=$pdst
  write_configs
  echo "timed runs through latency proxies, $LATENCY each way" >&2
fi
# The two fastest tools are timed as bare processes; the others through
# lib/peer.sh (a bash and xargs around them, a few ms).
cmds=()
for t in $TOOLS; do
  name=$t bin=$AIRLIFT
  if [[ $t == airlift=* ]]; then name=${t%%=*}-${t#*=} bin=${t#*=} t=airlift; fi # another airlift binary
  case $t in
  airlift) cmd="$bin copy --images $BENCH_WORK/airlift-images.txt --to $BENCH_DST --jobs ${BENCH_AIRLIFT_JOBS:-8} --no-progress" ;;
  regsync) cmd="regsync once -c $BENCH_WORK/regsync.yml" ;;
  *) cmd="bash lib/peer.sh $t" ;;
  esac
  $cmd >/dev/null 2>&1 # the target is complete for this tool too
  cmds+=(--command-name "$name" "$cmd")
done
echo "$(wc -l <"$BENCH_REFS") images; $RUNS rounds, tools interleaved (order rotated each round)" >&2
# Interleaved, not hyperfine's one-tool-after-the-other: this VM drifts by tens
# of percent over minutes, which would land on whichever tool ran last.
python3 - "$RUNS" "$BENCH_OUT/noop.json" "${cmds[@]}" <<'PY'
import json, shlex, statistics, subprocess, sys, time
runs, out, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
tools = [(args[i + 1], args[i + 2]) for i in range(0, len(args), 3)]  # --command-name NAME CMD
times = {name: [] for name, _ in tools}
for r in range(runs + 2):  # two warm-up rounds
    order = tools[r % len(tools):] + tools[:r % len(tools)]
    for name, cmd in order:
        t0 = time.perf_counter()
        rc = subprocess.run(shlex.split(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        dt = time.perf_counter() - t0
        if rc != 0:
            sys.exit(f"{name}: exit {rc}")
        if r >= 2:
            times[name].append(dt)
json.dump(times, open(out, "w"))
base = min(statistics.median(v) for v in times.values())
print(f"{'tool':<28} {'median ms':>10} {'mean ms':>9} {'p10 ms':>8} {'p90 ms':>8} {'vs best':>8}")
for name, v in times.items():
    q = statistics.quantiles(v, n=10)
    print(f"{name:<28} {statistics.median(v)*1e3:10.1f} {statistics.mean(v)*1e3:9.1f} {q[0]*1e3:8.1f} {q[-1]*1e3:8.1f} {statistics.median(v)/base:8.2f}")
PY
