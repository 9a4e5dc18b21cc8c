#!/usr/bin/env bash
# airgap.sh: the air gap, side by side with the peers, on one corpus.
#
#   pack     registry -> archive: airlift pack (one archive for all images);
#            skopeo copy docker:// -> oci-archive: and regctl image export,
#            one archive per image, 4 at a time (neither writes several
#            images into one archive)
#   unpack   archive -> registry (a fresh target for every tool):
#            airlift unpack; skopeo copy oci-archive: -> docker://;
#            regctl image import, 4 at a time; and two floors: the
#            archive's blobs, extracted, pushed by blobpipe (sendfile,
#            no client work; and with each blob checked first)
#   pull     the corpus read from `airlift serve ARCHIVE` and from the
#            Debian docker-registry, by the same client (airlift pack),
#            in turns
#
# Wall time and peak RSS of each (/usr/bin/time; for the 4-at-a-time runs
# the largest process), ROUNDS rounds with the tools in turn.
#
#   AIRLIFT=/path/to/airlift ROUNDS=3 ./airgap.sh
#   CORPUS="-images 4 ..." ./airgap.sh   # benchgen flags (default: run.sh's small)
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$BENCH_DIR"
SRC_PORT=${SRC_PORT:-15041} DST_PORT=${DST_PORT:-15042} SERVE_PORT=${SERVE_PORT:-15043}
ROUNDS=${ROUNDS:-3}
PAR=${BENCH_PAR:-4}
CORPUS=${CORPUS:--images 20 -platforms amd64,arm64 -layers 3 -layer-size-mb 12 -tiny-layers 1 -shared-base-mb 40 -families 4 -tags-per-repo 2 -seed 1}
AIRLIFT=${AIRLIFT:-airlift}
export BENCH_WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/airlift-airgap}
SRC=127.0.0.1:$SRC_PORT DST=127.0.0.1:$DST_PORT
mkdir -p "$BENCH_WORK"
# shellcheck source=lib/registry.sh
source lib/registry.sh
SERVE_PID=
trap 'stop_registry src || true; stop_registry dst || true; [[ -n $SERVE_PID ]] && kill $SERVE_PID 2>/dev/null || true' EXIT

(cd gen && go build -o "$BENCH_WORK/benchgen" . && go build -o "$BENCH_WORK/blobpipe" ./blobpipe)
for r in src dst; do stop_registry $r 2>/dev/null || true; rm -rf "$(reg_storage $r)"; done
write_registry_config src "$SRC_PORT"
write_registry_config dst "$DST_PORT"
start_registry src "$SRC_PORT"
start_registry dst "$DST_PORT"
# shellcheck disable=SC2086
"$BENCH_WORK/benchgen" -registry "$SRC" $CORPUS -out "$BENCH_WORK/refs.txt" >"$BENCH_WORK/gen.log" 2>&1
sed "s|^|$SRC/|" "$BENCH_WORK/refs.txt" >"$BENCH_WORK/list.txt"
awk '{print NR, $0}' "$BENCH_WORK/refs.txt" >"$BENCH_WORK/numbered.txt"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$BENCH_WORK/policy.json"
A=$BENCH_WORK/a S=$BENCH_WORK/s R=$BENCH_WORK/r X=$BENCH_WORK/x
export SRC DST A S R BENCH_WORK
# One image per invocation: $1 is its number, $2 its repo:tag.
SKOPEO='skopeo --policy "$BENCH_WORK/policy.json" copy --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false'
REGCTL='regctl --host "reg=$SRC,tls=disabled" --host "reg=$DST,tls=disabled"'


# measure NAME CMD...: one timed run, appended to results.txt. The page cache
# is flushed first (sync, untimed): a run that follows one that wrote gigabytes
# would otherwise pay for the previous tool's write-back (the pulls run in a
# fixed order, and none of the tools fsyncs its archive).
measure() {
  local name=$1; shift
  sync
  if ! /usr/bin/time -f "%e %M" -o "$BENCH_WORK/time.txt" "$@" >"$BENCH_WORK/$name.log" 2>&1; then
    echo "$name failed:"; tail -3 "$BENCH_WORK/$name.log"; return 1
  fi
  echo "$name $(tail -1 "$BENCH_WORK/time.txt")" | tee -a "$BENCH_WORK/results.txt"
}
fresh_target() { stop_registry dst; rm -rf "$(reg_storage dst)"; start_registry dst "$DST_PORT"; }

: >"$BENCH_WORK/results.txt"
for ((round = 1; round <= ROUNDS; round++)); do
  rm -rf "$A" "$S" "$R"; mkdir -p "$A" "$S" "$R"
  # The packs take turns going first: a later one finds the page cache
  # fuller with the earlier ones' archives.
  pack_airlift() { measure pack-airlift "$AIRLIFT" pack --images "$BENCH_WORK/list.txt" --output-file "$A/site.tar" --no-progress; }
  pack_skopeo() { measure pack-skopeo xargs -P "$PAR" -L 1 -a "$BENCH_WORK/numbered.txt" bash -c "$SKOPEO"' docker://$SRC/$2 oci-archive:$S/$1.tar:$2' _; }
  pack_regctl() { measure pack-regctl xargs -P "$PAR" -L 1 -a "$BENCH_WORK/numbered.txt" bash -c "$REGCTL"' image export $SRC/$2 $R/$1.tar' _; }
  packs=(pack_airlift pack_skopeo pack_regctl)
  for ((k = 0; k < 3; k++)); do ${packs[(round + k) % 3]}; done
  # The unpacks take turns too, each into a fresh target. The floors push
  # the archive's blobs, extracted, with blobpipe: the kernel sends each
  # file (sendfile), nothing else is done (floor), or each is first read
  # and checked against its digest, as airlift unpack does (floor-verify).
  unpack_airlift() { fresh_target; measure unpack-airlift "$AIRLIFT" unpack "$A/site.tar" --to "$DST/a" --no-progress --blob-index ""; }
  unpack_skopeo() { fresh_target; measure unpack-skopeo xargs -P "$PAR" -L 1 -a "$BENCH_WORK/numbered.txt" bash -c "$SKOPEO"' oci-archive:$S/$1.tar:$2 docker://$DST/s/$2' _; }
  unpack_regctl() { fresh_target; measure unpack-regctl xargs -P "$PAR" -L 1 -a "$BENCH_WORK/numbered.txt" bash -c "$REGCTL"' image import $DST/r/$2 $R/$1.tar' _; }
  unpack_floor() { fresh_target; measure unpack-floor "$BENCH_WORK/blobpipe" -mode push -src none -dst "$DST" -dir "$X/blobs/sha256" -list "$BENCH_WORK/floor.txt" -p 8; }
  unpack_floor_verify() { fresh_target; measure unpack-floor-verify "$BENCH_WORK/blobpipe" -mode push -verify -src none -dst "$DST" -dir "$X/blobs/sha256" -list "$BENCH_WORK/floor.txt" -p 8; }
  if [[ $round == 1 ]]; then # the blobs the floors push
    rm -rf "$X"; mkdir -p "$X"; tar -C "$X" -xf "$A/site.tar"
    for f in "$X"/blobs/sha256/*; do echo "floor/x sha256:${f##*/} $(stat -c %s "$f")"; done >"$BENCH_WORK/floor.txt"
  fi
  unpacks=(unpack_airlift unpack_skopeo unpack_regctl unpack_floor unpack_floor_verify)
  for ((k = 0; k < 5; k++)); do ${unpacks[(round + k) % 5]}; done
  "$AIRLIFT" serve "$A/site.tar" --addr "127.0.0.1:$SERVE_PORT" 2>"$BENCH_WORK/serve.log" &
  SERVE_PID=$!
  sleep 1
  # Each pull starts with the other's archive removed (the client writes
  # 1.8 GB: with the first pull's file still cached, the second paid for
  # reclaiming the page cache, twice the client's system time), and the
  # two take turns going first.
  pull_reg() { rm -f "$BENCH_WORK"/pull-*.tar; measure pull-docker-registry "$AIRLIFT" pack --images "$BENCH_WORK/list.txt" --output-file "$BENCH_WORK/pull-reg.tar" --no-progress; }
  pull_serve() { rm -f "$BENCH_WORK"/pull-*.tar; measure pull-airlift-serve "$AIRLIFT" pack --images "$BENCH_WORK/list.txt" --through "127.0.0.1:$SERVE_PORT" --output-file "$BENCH_WORK/pull-serve.tar" --no-progress; }
  if ((round % 2)); then pull_reg; pull_serve; else pull_serve; pull_reg; fi
  kill -INT $SERVE_PID; wait $SERVE_PID || true; SERVE_PID=
  rm -f "$BENCH_WORK"/pull-*.tar
done
echo
echo "median over $ROUNDS rounds (wall s, peak RSS MiB):"
python3 - "$BENCH_WORK/results.txt" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, wall, rss = line.split()
    rows[name].append((float(wall), int(rss)))
for name, v in rows.items():
    print(f"{name:<22} {statistics.median(w for w, _ in v):7.2f} s  {max(r for _, r in v)/1024:6.0f} MiB  runs: {' '.join(f'{w:.2f}' for w, _ in v)}")
PY
