#!/usr/bin/env bash
# Cost of one model process as the data grows, up to full size (25,000 training + 25,000 test reviews): one `run`
# of a small encoder's stand-in per size, phase by phase (tools/phase_timer.py), with peak resident memory.
# Each size starts from an empty cache (the first process of a suite: it parses the archive and tokenizes).
# Usage: measure.sh REPO WORKDIR [SIZES...]   (default sizes: 2000 8000 25000)
# SUFFIX=-warm measure.sh ... again: the same sizes with their caches now warm (a later process of a suite, a rerun).
set -euo pipefail
repo=$(realpath "$1"); work=$(realpath -m "$2"); shift 2
sizes=${*:-2000 8000 25000}
mkdir -p "$work"; cd "$work"
DATA=${DATA:-/work/shared/data/aclImdb_labeled.tar.gz}
VOCAB=${VOCAB:-/work/shared/data/bert_uncased_vocab.txt}
KEY=${KEY:-small_bert_l2_h128}
MODELS=${MODELS:-models}

# The stand-in is built once, outside the measurements (a suite builds each model's once and keeps it).
PYTHONPATH="$repo" python -m benchmark build-standin --model "$KEY" --vocab "$VOCAB" --models-dir "$MODELS" > build.log 2>&1

for n in $sizes; do
    echo "$n${SUFFIX:-} start $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" >> loadavg.txt
    TFHUB_BENCH_CACHE_DIR="$work/cache-$n" PYTHONPATH="$repo:$repo/tools" python "$repo/tools/phase_timer.py" \
        --json "size-$n${SUFFIX:-}.json" -- run --model "$KEY" --standins --data-dir "$DATA" --vocab "$VOCAB" \
        --train-samples "$n" --test-samples "$n" --seq-length 128 --epochs 1 --output "out-$n${SUFFIX:-}" \
        --models-dir "$MODELS" > "size-$n${SUFFIX:-}.out" 2> "size-$n${SUFFIX:-}.err"
    echo "$n${SUFFIX:-} end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" >> loadavg.txt
done
