#!/usr/bin/env bash
# twoprefix.sh: the monthly update of a mirror, where the new copy goes
# under another prefix than last month's: the bench corpus copied to
# DST/2026-10, then to DST/2026-11. Every blob of the second copy is in the
# target already, in another repository. Prints what the second copy sent
# without the blob index (--blob-index "") and with it (a file kept from
# the first run), each against a fresh target.
#
#   AIRLIFT=/path/to/airlift ./twoprefix.sh
#   CORPUS="-images 20 ..." ./twoprefix.sh     # benchgen flags (default: run.sh's small)
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$BENCH_DIR"
SRC_PORT=${SRC_PORT:-15031} DST_PORT=${DST_PORT:-15032}
CORPUS=${CORPUS:--images 20 -platforms amd64,arm64 -layers 3 -layer-size-mb 12 -tiny-layers 1 -shared-base-mb 40 -families 4 -tags-per-repo 2 -seed 1}
AIRLIFT=${AIRLIFT:-airlift}
export BENCH_WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/airlift-twoprefix}
export BENCH_SRC=127.0.0.1:$SRC_PORT BENCH_DST=127.0.0.1:$DST_PORT
mkdir -p "$BENCH_WORK"
# shellcheck source=lib/registry.sh
source lib/registry.sh
trap 'stop_registry src || true; stop_registry dst || true' EXIT

(cd gen && go build -o "$BENCH_WORK/benchgen" .)
for r in src dst; do stop_registry $r 2>/dev/null || true; rm -rf "$(reg_storage $r)"; done
write_registry_config src "$SRC_PORT"
start_registry src "$SRC_PORT"
# shellcheck disable=SC2086
"$BENCH_WORK/benchgen" -registry "$BENCH_SRC" $CORPUS -out "$BENCH_WORK/refs.txt" >"$BENCH_WORK/gen.log" 2>&1
sed "s|^|$BENCH_SRC/|" "$BENCH_WORK/refs.txt" >"$BENCH_WORK/list.txt"

for mode in without with; do
  stop_registry dst 2>/dev/null || true
  rm -rf "$(reg_storage dst)"
  write_registry_config dst "$DST_PORT"
  start_registry dst "$DST_PORT"
  index="$BENCH_WORK/blobs-$mode.json"
  rm -f "$index"
  [[ $mode == without ]] && index=""
  "$AIRLIFT" copy --images "$BENCH_WORK/list.txt" --to "$BENCH_DST/2026-10" --no-progress --blob-index "$index" 2>&1 | tail -1 | sed "s/^/first  ($mode index): /"
  "$AIRLIFT" copy --images "$BENCH_WORK/list.txt" --to "$BENCH_DST/2026-11" --no-progress --blob-index "$index" 2>&1 | tail -1 | sed "s/^/second ($mode index): /"
done
