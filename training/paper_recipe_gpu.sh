#!/usr/bin/env bash
# The paper's CNN trained with the paper's recipe, for a GPU machine that has PyTorch but no .NET
# (docs/thresholds.md, "The paper's architecture"). Makes the training set of training/train.sh with a
# self-contained publish of siren, then trains training/train_paper_cnn.py once per entry of RUNS, and
# leaves each run's weights in OUT/<run>.npz (its last finished epoch's paper_cnn.npz: numpy arrays named as
# the checkpoint's state_dict, which load into any PyTorch) and the log in OUT/log.txt.
# Evaluation runs where .NET is (docs/thresholds.md):
#   python3 training/convert_original.py OUT/recipe.npz recipe.onnx
#
# Needs: SIREN_TGZ (docs/cuda.md says how to make it), RIBOSOME_TGZ (ecoli50s_model/ from ../shared/data,
# packed) or RIBOSOME (that folder), python3 with torch.
# Knobs: WORK (default /tmp/siren-paper-recipe), OUT (default WORK/results), BUDGET (seconds for the whole
# script, default 540: the runs share what the training set leaves, and each is stopped in time, keeping the
# epochs it finished), COUNT and SEED (the training set; train.sh's defaults), RUNS (name:arguments of
# train_paper_cnn.py, comma-separated, one entry per run, space-separated; the default is the paper's recipe
# in bfloat16 autocast, which an H200 finishes in 4 minutes: "recipe:" alone, in float32, takes about 6).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK=${WORK:-/tmp/siren-paper-recipe}
OUT=${OUT:-$WORK/results}
BUDGET=${BUDGET:-540}
COUNT=${COUNT:-6000}
SEED=${SEED:-1}
RUNS=${RUNS:-"recipe_bf16:--bf16"}
PY=${PYTHON:-python3}
start=$SECONDS
left() { echo $(( BUDGET - (SECONDS - start) )); }
mkdir -p "$WORK" "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1

if [[ -n "${SIREN_TGZ:-}" ]]; then
    tar xzf "$SIREN_TGZ" -C "$WORK"
    SIREN=$(find "$WORK" -maxdepth 3 -type f -name siren -perm -u+x | head -n 1)
fi
if [[ -n "${RIBOSOME_TGZ:-}" ]]; then
    tar xzf "$RIBOSOME_TGZ" -C "$WORK"
    RIBOSOME="$WORK/ecoli50s_model"
fi
if [[ -z "${SIREN:-}" || ! -x "$SIREN" || -z "${RIBOSOME:-}" || ! -d "$RIBOSOME" ]]; then
    echo "error: set SIREN or SIREN_TGZ (a self-contained siren) and RIBOSOME or RIBOSOME_TGZ (the 50S model)." >&2
    exit 2
fi
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | sed 's/^/# GPU: /'
echo "# CPU: $(nproc) cores; $("$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())')"

t0=$SECONDS
timeout "$(left)" "$SIREN" make-training-set --out "$WORK/train" --count "$COUNT" --seed "$SEED" --ribosome "$RIBOSOME" || exit 1
echo "# training set: $COUNT maps in $((SECONDS - t0)) s; labels.csv sha256 $(sha256sum "$WORK/train/labels.csv" | cut -c1-16)"

status=0
read -r -a runs <<< "$RUNS"
for k in "${!runs[@]}"; do
    entry=${runs[k]}
    name=${entry%%:*}
    extra=()
    [[ $entry == *:* ]] && IFS=, read -r -a extra <<< "${entry#*:}"
    # This run's share of what is left, 30 s kept for stopping it and copying its weights.
    limit=$(( ($(left) - 30) / (${#runs[@]} - k) ))
    if (( limit < 30 )); then echo "# $name: not run, ${limit}s would be its share"; status=1; continue; fi
    echo "# $name: train_paper_cnn.py ${extra[*]} (at most ${limit}s)"
    rm -f "$WORK/$name/paper_cnn.npz"
    t0=$SECONDS
    PYTHONUNBUFFERED=1 timeout -k 10 "$limit" "$PY" "$ROOT/training/train_paper_cnn.py" --data "$WORK/train" --out "$WORK/$name" \
        --seed "$SEED" "${extra[@]}"
    rc=$?
    echo "# $name: exit $rc after $((SECONDS - t0)) s$( (( rc == 124 )) && echo ' (stopped at its share; the epochs it finished are kept)')"
    if [[ -f "$WORK/$name/paper_cnn.npz" ]]; then
        cp "$WORK/$name/paper_cnn.npz" "$OUT/$name.npz"
        echo "# $name: weights in $OUT/$name.npz"
        (( rc == 0 || rc == 124 )) || status=1
    else
        status=1
    fi
done
exit $status
