"""Held-out evaluation of the threshold model against simple rules (docs/thresholds.md).

    python3 training/evaluate.py --sets WORK/eval_heldout WORK/eval_seen --out docs

Each set is a `siren make-training-set --raw-maps` folder (maps/, labels.csv) or a `siren simulate`
ensemble (true levels in thresholds.csv), with predictions from `siren predict-thresholds` in
pred/predictions.csv (--pred names another folder, for another model's predictions). Metrics per rule: Pearson r of predicted and labelled
levels on the model's normalized scale (raw levels span four decades of arbitrary scale, which would make r
meaningless), and the median |log(V(predicted) / V(label))|, V = voxels above the level.
"""
import argparse
import csv
import os

import mrcfile
import numpy as np


def chimerax_level(v):
    # ChimeraX's initial surface level encloses 1 % of the grid, read off a 10,000-bin histogram.
    counts, edges = np.histogram(v, bins=10000, range=(float(v.min()), float(v.max())))
    above = np.cumsum(counts[::-1])[::-1]
    target = 0.01 * v.size
    k = int(np.nonzero(above >= target)[0][-1])
    return float(edges[k])


RULES = {
    "model": None,
    "99th percentile": lambda v: float(np.percentile(v, 99)),
    "ChimeraX 1 % of grid": chimerax_level,
    "cryoDRGN 99.99th pct / 2": lambda v: float(np.percentile(v, 99.99)) / 2,
}


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def labelled_maps(folder, preds):
    """(id, map path, label, vol_min, vol_max, family) from a make-training-set folder (labels.csv, maps/)
    or a `siren simulate` ensemble (vol_NNN.mrc, thresholds.csv with the true levels)."""
    if os.path.exists(os.path.join(folder, "labels.csv")):
        for r in read_csv(os.path.join(folder, "labels.csv")):
            i = int(r["vol_id"])
            yield (i, os.path.join(folder, "maps", f"vol_{i:05d}.mrc"), float(r["contour_level"]),
                   float(r["vol_min"]), float(r["vol_max"]), r["family"])
    else:
        paths = {int(os.path.splitext(f)[0].rsplit("_", 1)[1]): os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".mrc")}
        for r in read_csv(os.path.join(folder, "thresholds.csv")):
            i = int(r["vol_id"])
            p = preds[i]
            yield (i, paths[i], float(r["denormalized_predictions"]), float(p["vol_min"]), float(p["vol_max"]), "siren simulate")


def evaluate(folder, pred="pred"):
    preds = {int(r["vol_id"]): r for r in read_csv(os.path.join(folder, pred, "predictions.csv"))}
    rows = []
    for i, path, label, lo, hi, family in labelled_maps(folder, preds):
        with mrcfile.open(path, permissive=True) as m:
            v = m.data.astype(np.float64).ravel()
        levels = {name: (float(preds[i]["denormalized_predictions"]) if rule is None else rule(v)) for name, rule in RULES.items()}
        enclosed = lambda t: max(1, int((v > t).sum()))
        v_label = enclosed(label)
        rows.append({
            "family": family,
            "label_norm": 2 * (label - lo) / (hi - lo) - 1,
            **{f"{name}|norm": 2 * (t - lo) / (hi - lo) - 1 for name, t in levels.items()},
            **{f"{name}|err": abs(np.log(enclosed(t) / v_label)) for name, t in levels.items()},
        })
    return rows


def bootstrap_r(x, y, draws=2000):
    """95 % interval of Pearson r over maps resampled with replacement (fixed seed): a few hundred maps pin r
    down only to about ±0.01, which decides whether a goal like r ≥ 0.95 is met or merely touched."""
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(x), size=(draws, len(x)))
    xs, ys = x[idx], y[idx]
    xs, ys = xs - xs.mean(1, keepdims=True), ys - ys.mean(1, keepdims=True)
    r = (xs * ys).sum(1) / np.sqrt((xs * xs).sum(1) * (ys * ys).sum(1))
    return tuple(float(v) for v in np.percentile(r, [2.5, 97.5]))


def summarize(rows):
    out = {}
    y = np.array([r["label_norm"] for r in rows])
    for name in RULES:
        x = np.array([r[f"{name}|norm"] for r in rows])
        err = np.array([r[f"{name}|err"] for r in rows])
        out[name] = (float(np.corrcoef(x, y)[0, 1]), bootstrap_r(x, y), float(np.median(err)), float(np.mean(err < np.log(1.1))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pred", default="pred", help="each set's folder of predictions.csv (another model's: --model … --outdir SET/NAME)")
    args = ap.parse_args()
    lines = []
    all_rows = {}
    for folder in args.sets:
        rows = evaluate(folder, args.pred)
        name = os.path.basename(os.path.normpath(folder))
        all_rows[name] = rows
        groups = [(f"{name} (all {len(rows)})", rows)]
        for fam in sorted({r["family"] for r in rows}):
            sub = [r for r in rows if r["family"] == fam]
            groups.append((f"{name}: {fam} ({len(sub)})", sub))
        lines.append(f"\n### {name}\n")
        lines.append("| maps | rule | Pearson r (normalized) | r, 95 % bootstrap interval | median \\|log V ratio\\| | maps within 10 % volume |")
        lines.append("|---|---|---|---|---|---|")
        for title, sub in groups:
            for rule, (r, (lo, hi), med, within) in summarize(sub).items():
                lines.append(f"| {title} | {rule} | {r:.4f} | [{lo:.3f}, {hi:.3f}] | {med:.3f} ({np.expm1(med) * 100:.1f} %) | {within * 100:.0f} % |")
    table = "\n".join(lines) + "\n"
    print(table)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "thresholds_eval_table.md"), "w") as f:
        f.write(table)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is absent; no plot written")
        return
    cols = min(3, len(all_rows))
    grid_rows = (len(all_rows) + cols - 1) // cols
    fig, axes = plt.subplots(grid_rows, cols, figsize=(5 * cols, 4.5 * grid_rows), dpi=80, squeeze=False)
    for ax in axes.flat[len(all_rows):]:
        ax.set_visible(False)
    for ax, (name, rows) in zip(axes.flat, all_rows.items()):
        y = [r["label_norm"] for r in rows]
        for rule, marker in zip(RULES, ["o", "x", "+", "^"]):
            ax.scatter(y, [r[f"{rule}|norm"] for r in rows], s=8 if rule == "model" else 6, marker=marker, label=rule, alpha=0.7)
        ax.plot([-1, 1], [-1, 1], "k--", lw=0.8)
        ax.set_xlim(-1.05, 0.6); ax.set_ylim(-1.05, 0.6)
        ax.set_xlabel("label (normalized level)"); ax.set_ylabel("predicted (normalized level)"); ax.set_title(name)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "thresholds_eval.png"))


if __name__ == "__main__":
    main()
