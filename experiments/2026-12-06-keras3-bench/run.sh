#!/bin/bash
# Keras 2 against Keras 3 on the Small BERT twins, through `bench --keras3` (run from the repository root, with
# ../shared/data beside it). Each command ran under `flock -x` on the machine's shared CPU lock.
set -e
E=experiments/2026-12-06-keras3-bench
COMMON=(--model small_bert_l4_h512 --standins --vocab ../shared/data/bert_uncased_vocab.txt --models-dir models
        --data-dir ../shared/data/aclImdb_labeled.tar.gz --no-hf --keras3
        --seq-length 128 --batch-size 16 --samples 256 --steps 3 --rounds 3 --warmup-steps 2 --no-bucketing)
python -m benchmark bench "${COMMON[@]}" --precision float32 --output $E/float32
python -m benchmark bench "${COMMON[@]}" --precision auto --output $E/auto
ONEDNN_MAX_CPU_ISA=AVX2 python -m benchmark bench "${COMMON[@]}" --output $E/avx2-auto
