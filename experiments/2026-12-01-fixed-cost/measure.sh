#!/usr/bin/env bash
# Fixed cost of one model process at tiny size, phase by phase (tools/phase_timer.py), before and after issue 17's
# changes. Usage: measure.sh BEFORE_SRC AFTER_SRC WORKDIR
#   BEFORE_SRC: a checkout of the code before (e.g. `git archive 00708c4 | tar -x -C DIR`), AFTER_SRC: this one.
# Each model runs as a suite's child does (--suite-child --suite-id fc: it exports when it is the best so far).
set -euo pipefail
before=$(realpath "$1"); after=$(realpath "$2"); work=$(realpath -m "$3")
mkdir -p "$work"; cd "$work"
DATA=${DATA:-/work/shared/data/aclImdb_labeled.tar.gz}
VOCAB=${VOCAB:-/work/shared/data/bert_uncased_vocab.txt}
timer="$after/tools/phase_timer.py"

one() {  # one LABEL SRC MODELS CACHE KEY
    local label=$1 src=$2 models=$3 cache=$4 key=$5
    echo "$label $(cut -d' ' -f1-3 /proc/loadavg)" >> loadavg.txt
    TFHUB_BENCH_CACHE_DIR="$work/$cache" PYTHONPATH="$src:$after/tools" python "$timer" --json "$label.json" -- \
        run --model "$key" --standins --data-dir "$DATA" --vocab "$VOCAB" --train-samples 64 --test-samples 64 \
        --seq-length 32 --epochs 1 --output "out-$label" --models-dir "$models" --suite-child --suite-id fc \
        > "$label.out" 2> "$label.err"
}

for key in ${KEYS:-small_bert_l2_h128 bert_base_uncased}; do
    one "before-cold-$key" "$before" "models-before-$key" "cache-before-$key" "$key"  # stand-in built here
    one "before-warm-$key" "$before" "models-before-$key" "cache-before-$key" "$key"  # a rerun
    one "after-cold-$key" "$after" "models-after-$key" "cache-after-$key" "$key"      # stand-in, caches: all cold
    rm -rf "models-after-$key/standins/$key-"*  # a later model of a suite: its own stand-in to build, caches warm
    one "after-suite-$key" "$after" "models-after-$key" "cache-after-$key" "$key"
    one "after-warm-$key" "$after" "models-after-$key" "cache-after-$key" "$key"      # a rerun
done
