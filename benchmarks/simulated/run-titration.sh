#!/usr/bin/env bash
# The closing-note figures for simulated ground truth: runs `siren demo` (built-in complex) and the SIREn
# paper's uL2 titration on the 50S model — C-terminal deletions of 73/136/213/271 residues at 25/50/75 %
# intact, plus the 100 % intact homogeneous control — each end to end (simulate, predict thresholds with the
# shipped model, sketch, expand with --filter, score), and prints one row per dataset: regions found, the best
# block's Jaccard with each true region, best block and region sizes, false blocks, and wall times from
# each run's manifest.json (simulate, predict thresholds, sketch+expand).
# Usage: benchmarks/simulated/run-titration.sh [OUTDIR]   (env: MODEL=…/ecoli50s_model, N=maps per dataset, SEED,
#        PASS=positive|complement|both, the block-detection pass; default positive, the paper's method)
# Needs jq. Takes ~13 × 20 s on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MODEL="${MODEL:-$ROOT/../shared/data/ecoli50s_model}"
OUT="${1:-$(mktemp -d /tmp/siren-titration.XXXXXX)}"
N="${N:-500}"
SEED="${SEED:-0}"
PASS="${PASS:-positive}"
command -v jq >/dev/null || { echo "error: jq is required (apt-get install jq)." >&2; exit 2; }
[ -d "$MODEL" ] || { echo "error: no 50S model at '$MODEL'. Fix: set MODEL=…/shared/data/ecoli50s_model." >&2; exit 2; }
dotnet build "$ROOT/src/Siren.Cli" -c Release -v q -nologo >/dev/null
SIREN="$ROOT/src/Siren.Cli/bin/Release/net10.0/siren"

row() { # dataset folder
  local name="$1" dir="$2"
  jq -r --arg name "$name" -s '
    .[0] as $s | .[1] as $m |
    ($s.regions | map(select(.primary))) as $r |
    def fmt: (. * 100 | round) / 100 | tostring;
    [$name, "\($s.found)/\($s.regions_total)",
     (if ($r | length) == 0 then "-" else ($r | map(.jaccard | fmt) | join(",")) end),
     (if ($r | length) == 0 then "-" else ($r | map("\(.best_block_size)/\(.region_size)") | join(",")) end),
     "\($s.false_blocks)/\($s.blocks_total)",
     ($m.seconds.simulate | tostring), ($m.seconds.thresholds | tostring), ($m.seconds.sketch_expand | tostring)] | @tsv' \
    "$dir/score.json" "$dir/manifest.json"
}

{
  printf 'dataset\tfound\tJaccard\tblock/region voxels\tfalse/blocks\tsimulate_s\tthresholds_s\tsketch_expand_s\n'
  "$SIREN" demo --n "$N" --seed "$SEED" --pass "$PASS" --outdir "$OUT/demo" >/dev/null 2>&1
  row demo "$OUT/demo"
  for d in 73 136 213 271; do
    for i in 0.25 0.5 0.75; do
      dir="$OUT/ul2_d${d}_i${i}"
      "$SIREN" demo --preset ul2-titration --model "$MODEL" --deletion "$d" --intact "$i" --n "$N" --seed "$SEED" --pass "$PASS" --outdir "$dir" >/dev/null 2>&1
      row "uL2 -$d, ${i} intact" "$dir"
    done
  done
  dir="$OUT/ul2_control"
  "$SIREN" demo --preset ul2-titration --model "$MODEL" --deletion 271 --intact 1 --n "$N" --seed "$SEED" --pass "$PASS" --outdir "$dir" >/dev/null 2>&1
  row "uL2 control (100 % intact)" "$dir"
} | column -t -s $'\t'
echo "outputs in $OUT"
