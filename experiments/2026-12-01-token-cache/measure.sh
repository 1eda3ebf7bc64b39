#!/usr/bin/env bash
# One model process at full size (25,000 + 25,000 reviews, 128 tokens): seconds from process start to the first
# training step and peak resident memory, before the token cache and after it (cold, then warm), phase by phase
# (tools/phase_timer.py --stop-after-first-step). Usage: measure.sh BEFORE_SRC AFTER_SRC WORKDIR
#   BEFORE_SRC: a checkout of the code before (e.g. `git archive 00708c4 | tar -x -C DIR`), AFTER_SRC: this one.
set -euo pipefail
before=$(realpath "$1"); after=$(realpath "$2"); work=$(realpath -m "$3")
mkdir -p "$work"; cd "$work"
DATA=${DATA:-/work/shared/data/aclImdb_labeled.tar.gz}
VOCAB=${VOCAB:-/work/shared/data/bert_uncased_vocab.txt}
KEY=${KEY:-small_bert_l2_h128}
timer="$after/tools/phase_timer.py"

# The stand-in is built first, outside the measurements (its export is not what the cache changes).
[ -d models ] || PYTHONPATH="$after" python -m benchmark build-standin --model "$KEY" --vocab "$VOCAB" --models-dir models > build.log 2>&1

one() {  # one LABEL SRC CACHE
    echo "$1 $(cut -d' ' -f1-3 /proc/loadavg)" >> loadavg.txt
    TFHUB_BENCH_CACHE_DIR="$work/$3" PYTHONPATH="$2:$after/tools" python "$timer" --json "$1.json" \
        --stop-after-first-step -- run --model "$KEY" --standins --data-dir "$DATA" --vocab "$VOCAB" \
        --seq-length 128 --epochs 1 --output "out-$1" --models-dir models > "$1.out" 2> "$1.err"
}

# RUNS picks some of them (default: all, in this order).
for label in ${RUNS:-before after-cold after-warm before-again after-warm-again}; do
    case $label in
        before*) one "$label" "$before" cache-before ;;  # the code before: no cache (tokenizes every split every time)
        after-cold) one "$label" "$after" cache ;;       # empty cache: tokenizes and stores
        after-warm*) one "$label" "$after" cache ;;      # the same cache: reads
    esac
done
du -sb cache/* > cache-size.txt
