#!/usr/bin/env bash
# CPU vs CUDA sketch+expand on generated ensembles, for a machine with an NVIDIA GPU and no .NET.
#
# Needs a self-contained publish of siren (docs/cuda.md says how to make and carry it):
#   SIREN=path/to/siren  or  SIREN_TGZ=path/to/siren-publish.tgz (unpacked into $WORK)
# Knobs (environment):
#   BOXES="64 96 128 160"  MAPS="500 1000"   sizes to run (split them over several calls if time is short)
#   WORK=/tmp/siren-gpu-bench                 generated maps and outputs (maps are reused between calls)
#   CPU_MAX_BOX=160                           larger boxes run on CUDA only (CPU column "-")
#   RUN_TIMEOUT=540                           seconds allowed for one siren run
#   GPU_DEVICE=cuda                           the device under test; GPU_DEVICE=cpu dry-runs this script without a GPU
# For each size it runs `siren bench` (read + sketch + expand, BlockDetection.Run) once with --device cpu
# and once with --device cuda on the same maps and seed, checks that 00_sketch/blocks.json and
# 02_expand/blocks.json are byte-identical, and prints one markdown row:
#   CPU s / CUDA s: sketch + expand seconds (map reading excluded); ratio = CPU / CUDA;
#   CUDA G popc/s: 64-bit word popcounts per second in the CUDA pair kernels;
#   % peak: that against the GPU's popcount peak, SMs × clock × 8 (16 32-bit POPC per SM per clock on
#   sm_70…sm_90, two per 64-bit word; CUDA C++ Programming Guide, arithmetic instruction throughput).
# Exit status 1 when any blocks.json differs or a CUDA run fails.
set -uo pipefail

WORK=${WORK:-/tmp/siren-gpu-bench}
BOXES=${BOXES:-"64 96 128 160"}
MAPS=${MAPS:-"500 1000"}
CPU_MAX_BOX=${CPU_MAX_BOX:-160}
RUN_TIMEOUT=${RUN_TIMEOUT:-540}
SEED=${SEED:-1}
GPU_DEVICE=${GPU_DEVICE:-cuda}
mkdir -p "$WORK"

if [[ -n "${SIREN_TGZ:-}" ]]; then
    tar xzf "$SIREN_TGZ" -C "$WORK"
    SIREN=$(find "$WORK" -maxdepth 3 -type f -name siren -perm -u+x | head -n 1)
fi
SIREN=${SIREN:-}
if [[ -z "$SIREN" || ! -x "$SIREN" ]]; then
    echo "error: no siren executable: set SIREN=path/to/siren or SIREN_TGZ=path/to/siren-publish.tgz (see docs/cuda.md)." >&2
    exit 2
fi

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/# GPU: /'
echo "# CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

# One `siren bench` run; leaves its table in $WORK/bench_<device>_<box>_<maps>.md and its outputs in
# $WORK/result_<device>_<box>_<maps>/.
run() {
    local device=$1 box=$2 maps=$3 tag="$1_$2_$3"
    rm -rf "$WORK/out_${box}_${maps}" "$WORK/result_$tag"
    if ! timeout "$RUN_TIMEOUT" "$SIREN" bench --device "$device" --boxes "$box" --maps "$maps" --repeats 1 --seed "$SEED" \
            --workdir "$WORK" > "$WORK/bench_$tag.md" 2> "$WORK/bench_$tag.log"; then
        echo "# $device $box³×$maps failed or timed out; last log lines:" >&2
        tail -n 5 "$WORK/bench_$tag.log" >&2
        return 1
    fi
    mv "$WORK/out_${box}_${maps}" "$WORK/result_$tag"
}

# A figure of a bench table's row, found by its column's header ("sketch s", "G popcounts/s", ...): by
# position, the two columns `siren bench` gained once shifted "G popcounts/s" onto "popcounted %".
field() {
    awk -F'|' -v name="$2" '
        /^\| box \|/ { for (i = 2; i < NF; i++) { h = $i; gsub(/^ +| +$/, "", h); if (h == name) c = i } }
        /^\| [0-9]+ \|/ && c { v = $c; gsub(/ /, "", v) }
        END { if (!c) { print "no column " name > "/dev/stderr"; exit 1 } print v }' "$1"
}

status=0
echo
echo "| box | maps | union N | sampled n | blocks | CPU s | CUDA s | ratio | CUDA G popc/s | % peak | blocks.json |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|"
for maps in $MAPS; do
    for box in $BOXES; do
        if ! run "$GPU_DEVICE" "$box" "$maps"; then status=1; continue; fi
        cuda_md="$WORK/bench_${GPU_DEVICE}_${box}_${maps}.md"
        cuda_s=$(awk "BEGIN { print $(field "$cuda_md" "sketch s") + $(field "$cuda_md" "expand s") }")
        popc=$(field "$cuda_md" "G popcounts/s")
        # The cuda log names the device: "... (sm_90, 132 SMs at 1980 MHz, ...)".
        read -r sms mhz < <(grep -m1 -oE '[0-9]+ SMs at [0-9]+ MHz' "$WORK/bench_${GPU_DEVICE}_${box}_${maps}.log" | awk '{ print $1, $4 }')
        peak=$(awk "BEGIN { print ${sms:-0} * ${mhz:-0} * 1e6 * 8 / 1e9 }")
        pct=$(awk "BEGIN { if ($peak > 0) printf \"%.0f\", 100 * $popc / $peak; else print \"?\" }")

        cpu_s="-"; ratio="-"; same="cpu not run"
        if (( box <= CPU_MAX_BOX )) && { [[ $GPU_DEVICE == cpu ]] || run cpu "$box" "$maps"; }; then
            cpu_md="$WORK/bench_cpu_${box}_${maps}.md"
            cpu_s=$(awk "BEGIN { print $(field "$cpu_md" "sketch s") + $(field "$cpu_md" "expand s") }")
            ratio=$(awk "BEGIN { if ($cuda_s > 0) printf \"%.1f\", $cpu_s / $cuda_s; else print \"?\" }")
            if cmp -s "$WORK/result_cpu_${box}_${maps}/00_sketch/blocks.json" "$WORK/result_${GPU_DEVICE}_${box}_${maps}/00_sketch/blocks.json" \
               && cmp -s "$WORK/result_cpu_${box}_${maps}/02_expand/blocks.json" "$WORK/result_${GPU_DEVICE}_${box}_${maps}/02_expand/blocks.json"; then
                same="identical"
            else
                same="DIFFERENT"; status=1
            fi
        fi
        echo "| $box | $maps | $(field "$cuda_md" "union N") | $(field "$cuda_md" "sampled n") | $(field "$cuda_md" "blocks") | $cpu_s | $cuda_s | $ratio | $popc | $pct | $same |"
    done
done
exit $status
