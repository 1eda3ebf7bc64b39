#!/usr/bin/env bash
# The same suite of 6 tiny stand-in jobs (small_bert_l2_h128, seeds 1-6) run by the local executor (one job after
# another) and by the Ray executor (--max-parallel 2), ROUNDS rounds alternating local and ray; then, once, the bound a
# parallel executor could reach here: the 6 jobs as 6 plain one-model `run` commands, two at a time (xargs -P 2).
# Wall time of each whole command. Run from the repository root:
#   flock -x /tmp/cpu.lock bash experiments/2026-12-06-ray-parallel/run.sh WORK_FOLDER [ROUNDS]
set -euo pipefail
HERE=experiments/2026-12-06-ray-parallel
WORK=${1:?a scratch folder}
ROUNDS=${2:-2}
DATA=../shared/data
PY=.venv/bin/python
mkdir -p "$WORK"
COMMON=(--standins --vocab "$DATA/bert_uncased_vocab.txt" --models-dir "$WORK/models"
        --data-dir "$DATA/aclImdb_labeled.tar.gz" --epochs 1 --train-samples 64 --test-samples 64
        --batch-size 16 --seq-length 64 --no-save-model --cache-dir "$WORK/cache")
SUITE=(run --model small_bert_l2_h128 --seeds 1 2 3 4 5 6 "${COMMON[@]}")
{
  echo "commit: $(git rev-parse HEAD)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
  echo "flags: $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|avx512_bf16|amx_bf16)$' | xargs)"
  echo "ONEDNN_MAX_CPU_ISA: ${ONEDNN_MAX_CPU_ISA:-unset}"
  echo "ray: $($PY -c 'import ray; print(ray.__version__)')"
  echo "command: bash $HERE/run.sh WORK $ROUNDS ; suite: python -m benchmark ${SUITE[*]}"
} > "$HERE/machine.txt"
# Not timed: the stand-in is built and IMDb parsed into the cache once, so every run starts from the same caches.
$PY -m benchmark build-standin --model small_bert_l2_h128 --vocab "$DATA/bert_uncased_vocab.txt" --models-dir "$WORK/models"
$PY -m benchmark run --model tfidf_logreg --data-dir "$DATA/aclImdb_labeled.tar.gz" --train-samples 64 \
    --test-samples 64 --cache-dir "$WORK/cache" --output "$WORK/warmup" > /dev/null
: > "$HERE/wall.txt"; : > "$HERE/failures.txt"
timed() {  # NAME COMMAND...: the wall time of COMMAND, appended to wall.txt
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" || echo "$name: exit status $? ($(tail -1 "$WORK/$name.out"))" | tee -a "$HERE/failures.txt"
  end=$(date +%s.%N)
  echo "$name $(echo "$end - $start" | bc)" | tee -a "$HERE/wall.txt"
}
for round in $(seq 1 "$ROUNDS"); do
  rm -rf "$WORK/local" "$WORK/ray"
  timed "local-$round" $PY -m benchmark "${SUITE[@]}" --output "$WORK/local"
  timed "ray-$round" $PY -m benchmark "${SUITE[@]}" --output "$WORK/ray" --executor ray --max-parallel 2
done
cp "$WORK/ray-$ROUNDS.err" "$HERE/ray-driver.log"
rm -rf "$WORK/plain"
plain() { seq 1 6 | xargs -P 2 -I{} $PY -m benchmark run --model small_bert_l2_h128 --seed {} "${COMMON[@]}" \
            --output "$WORK/plain"; }
export -f plain 2> /dev/null || true
timed plain-2-at-once bash -c "$(declare -p PY COMMON WORK); $(declare -f plain); plain"
$PY "$HERE/compare.py" "$WORK/local" "$WORK/ray" | tee "$HERE/compare.txt"
