#!/usr/bin/env bash
# The same suite of 6 tiny stand-in jobs (small_bert_l2_h128, seeds 1-6) run by the local executor (one job after
# another) and by the Ray executor (--max-parallel 2); wall time of the whole command. Run from the repository root:
#   flock -x /tmp/cpu.lock bash experiments/2026-12-06-ray-parallel/run.sh WORK_FOLDER
set -euo pipefail
HERE=experiments/2026-12-06-ray-parallel
WORK=${1:?a scratch folder}
DATA=../shared/data
PY=.venv/bin/python
mkdir -p "$WORK"
SUITE=(run --model small_bert_l2_h128 --standins --vocab "$DATA/bert_uncased_vocab.txt" --models-dir "$WORK/models"
       --data-dir "$DATA/aclImdb_labeled.tar.gz" --seeds 1 2 3 4 5 6 --epochs 1 --train-samples 64 --test-samples 64
       --batch-size 16 --seq-length 64 --no-save-model --cache-dir "$WORK/cache")
{
  echo "commit: $(git rev-parse HEAD)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
  echo "flags: $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|avx512_bf16|amx_bf16)$' | xargs)"
  echo "ONEDNN_MAX_CPU_ISA: ${ONEDNN_MAX_CPU_ISA:-unset}"
  echo "ray: $($PY -c 'import ray; print(ray.__version__)')"
} > "$HERE/machine.txt"
# Not timed: the stand-in is built and IMDb parsed into the cache once, so both runs start from the same caches.
$PY -m benchmark build-standin --model small_bert_l2_h128 --vocab "$DATA/bert_uncased_vocab.txt" --models-dir "$WORK/models"
$PY -m benchmark run --model tfidf_logreg --data-dir "$DATA/aclImdb_labeled.tar.gz" --train-samples 64 \
    --test-samples 64 --cache-dir "$WORK/cache" --output "$WORK/warmup" > /dev/null
for executor in local ray; do
  extra=(); [ "$executor" = ray ] && extra=(--executor ray --max-parallel 2)
  start=$(date +%s.%N)
  $PY -m benchmark "${SUITE[@]}" --output "$WORK/$executor" "${extra[@]}" > "$WORK/$executor.out" 2> "$WORK/$executor.err"
  end=$(date +%s.%N)
  echo "$executor $(echo "$end - $start" | bc)" | tee -a "$HERE/wall.txt"
  tail -1 "$WORK/$executor.out"
done
echo "command: bash $HERE/run.sh WORK ; suite: python -m benchmark ${SUITE[*]}" >> "$HERE/machine.txt"
$PY "$HERE/compare.py" "$WORK/local" "$WORK/ray" | tee "$HERE/compare.txt"
