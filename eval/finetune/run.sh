#!/usr/bin/env bash
# The downstream experiment of eval/finetune.md: xtb HOMO-LUMO gap and dipole of QM9-like
# molecules with 1,000 labelled training molecules, pretrained GIN vs the same GIN from scratch.
# Usage: bash eval/finetune/run.sh [label ...] [-- extra finetune flags]   (default labels: gap_eV dipole_D)
set -euo pipefail
cd "$(dirname "$0")/../.."
CSV=eval/finetune/qm9like-1k.csv
[ -f "$CSV" ] || npm run -s export-labels -- --data public/data/qm9like.bin --train 1000 --valid 200 --test all --seed 0 --out "$CSV"
LABELS=(); while [ $# -gt 0 ] && [ "$1" != "--" ]; do LABELS+=("$1"); shift; done; [ "${1:-}" = "--" ] && shift
[ ${#LABELS[@]} -gt 0 ] || LABELS=(gap_eV dipole_D)
COMMON=(--csv "$CSV" --split-column split --seeds 3 --seed 0 --epochs 30 --patience 8 --batch 32 --lr 1e-3 --dropout 0.5 "$@")
for label in "${LABELS[@]}"; do
  for arm in ${ARMS:-default none}; do
    ckpt=$([ "$arm" = none ] && echo none || echo "public/checkpoints/$arm.safetensors")
    npm run -s finetune -- "${COMMON[@]}" --label-column "$label" --checkpoint "$ckpt" \
      --out "eval/finetune/$label-$arm.json" > "eval/finetune/$label-$arm.txt"
  done
done
