#!/usr/bin/env bash
# peer.sh PEER: copy every reference in $BENCH_REFS from $BENCH_SRC to
# $BENCH_DST with one tool ("peer"). This is the command that gets timed.
#
# Env (exported by run.sh):
#   BENCH_SRC, BENCH_DST  registry host:port (plain HTTP on 127.0.0.1)
#   BENCH_REFS            file with one "repo:tag" per line
#   BENCH_WORK            work dir (logs, tool config files)
#   BENCH_PAR             parallelism for the *-p4 variants and regsync (default 4)
#   BENCH_LOG             log file for tool output (default $BENCH_WORK/logs/PEER.log)
#
# To add a new tool, add a case below (and the name to PEERS in run.sh).
set -euo pipefail
peer=${1:?usage: peer.sh PEER}
: "${BENCH_SRC:?}" "${BENCH_DST:?}" "${BENCH_REFS:?}" "${BENCH_WORK:?}"
PAR=${BENCH_PAR:-4}
mkdir -p "$BENCH_WORK/logs"
exec >>"${BENCH_LOG:-$BENCH_WORK/logs/$peer.log}" 2>&1
echo "=== $peer $(date -u +%FT%TZ)"

SKOPEO=(skopeo --policy "$BENCH_WORK/policy.json")
SKOPEO_COPY=(copy --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false)
REGCTL=(regctl --host "reg=$BENCH_SRC,tls=disabled" --host "reg=$BENCH_DST,tls=disabled")
export BENCH_SRC BENCH_DST BENCH_REFS BENCH_WORK BENCH_PAR=$PAR

case $peer in
skopeo-sync)
  # skopeo sync keeps only the last path component of the source repository
  # (unless --scoped, which prepends the source host), so run it once per
  # repository with the parent path as destination: a/b/c -> DST/a/b (+ /c).
  cut -d: -f1 "$BENCH_REFS" | sort -u | while read -r repo; do
    parent=$(dirname "$repo")
    dest=$BENCH_DST
    [[ $parent != . ]] && dest=$BENCH_DST/$parent
    "${SKOPEO[@]}" sync --all --preserve-digests --src docker --dest docker \
      --src-tls-verify=false --dest-tls-verify=false "$BENCH_SRC/$repo" "$dest"
  done
  ;;
skopeo-copy)
  while read -r ref; do
    "${SKOPEO[@]}" "${SKOPEO_COPY[@]}" "docker://$BENCH_SRC/$ref" "docker://$BENCH_DST/$ref"
  done <"$BENCH_REFS"
  ;;
skopeo-copy-p4)
  xargs -P "$PAR" -I{} "${SKOPEO[@]}" "${SKOPEO_COPY[@]}" \
    "docker://$BENCH_SRC/{}" "docker://$BENCH_DST/{}" <"$BENCH_REFS"
  ;;
crane-copy)
  while read -r ref; do
    crane copy --insecure "$BENCH_SRC/$ref" "$BENCH_DST/$ref"
  done <"$BENCH_REFS"
  ;;
crane-copy-p4)
  xargs -P "$PAR" -I{} crane copy --insecure "$BENCH_SRC/{}" "$BENCH_DST/{}" <"$BENCH_REFS"
  ;;
regctl-copy)
  while read -r ref; do
    "${REGCTL[@]}" image copy "$BENCH_SRC/$ref" "$BENCH_DST/$ref"
  done <"$BENCH_REFS"
  ;;
regctl-copy-p4)
  xargs -P "$PAR" -I{} "${REGCTL[@]}" image copy "$BENCH_SRC/{}" "$BENCH_DST/{}" <"$BENCH_REFS"
  ;;
regsync)
  # config listing every image is written by run.sh (parallel: $BENCH_PAR)
  regsync once -c "$BENCH_WORK/regsync.yml"
  ;;
airlift)
  # airlift copies the whole list in one process: global bound of
  # $BENCH_AIRLIFT_JOBS concurrent transfers (default 8), mounts across
  # repositories, tags last.
  # the list (BENCH_SRC/ref per line) is written by run.sh: write_airlift_list
  "${AIRLIFT:-airlift}" copy --images "$BENCH_WORK/airlift-images.txt" --to "$BENCH_DST" \
    --jobs "${BENCH_AIRLIFT_JOBS:-8}" --no-progress
  ;;
airlift-before)
  # another airlift build, for before/after figures in one run
  "${AIRLIFT_BEFORE:?set AIRLIFT_BEFORE to the other airlift binary}" copy --images "$BENCH_WORK/airlift-images.txt" --to "$BENCH_DST" \
    --jobs "${BENCH_AIRLIFT_JOBS:-8}" --no-progress
  ;;
floor)
  # not a tool: the raw blob pipe of gen/blobpipe (every unique layer/config
  # blob GET -> monolithic PUT, BENCH_PAR streams, no manifests). Run in the
  # same rounds as the tools, it gives a per-round floor to normalise by.
  "$BENCH_WORK/blobpipe" -mode copy -p "$PAR" -src "$BENCH_SRC" -dst "$BENCH_DST" -list "$BENCH_WORK/blobs.tsv"
  ;;
custom)
  # any other tool: BENCH_CUSTOM_CMD is run with bash and may use the
  # BENCH_* variables above, e.g.
  #   BENCH_CUSTOM_CMD='mytool copy --src $BENCH_SRC --dst $BENCH_DST --list $BENCH_REFS'
  bash -c "${BENCH_CUSTOM_CMD:?set BENCH_CUSTOM_CMD for the custom peer}"
  ;;
*)
  echo "unknown peer: $peer" >&2
  exit 2
  ;;
esac
echo "=== $peer done $(date -u +%FT%TZ)"
