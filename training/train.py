"""Trains the shipped threshold model on a set written by `siren make-training-set` and exports it.

    python3 training/train.py --data /tmp/thr/train --out /tmp/thr/model --seed 1

Writes OUT/siren_threshold.onnx (the ONNX contract of docs/thresholds.md) and OUT/siren_threshold_head.json
(the head's weights, which siren fine-tune starts from). Debian python3-torch and python3-onnx, CPU only;
deterministic for a seed and thread count (seeded shuffles and augmentation, deterministic kernels).
"""
import argparse
import csv
import json
import os
import time

import numpy as np
import torch

import model as threshold_model


def load(folder):
    with open(os.path.join(folder, "labels.csv")) as f:
        rows = list(csv.DictReader(f))
    labels = np.array([float(r["normalized_label"]) for r in rows], dtype=np.float32)
    maps = np.fromfile(os.path.join(folder, "normalized_f16.bin"), dtype=np.float16).reshape(len(rows), 1, 64, 64, 64)
    return torch.from_numpy(maps), torch.from_numpy(labels).unsqueeze(1)


def augment(x, generator):
    # The label is invariant to the 48 symmetries of the cube: random axis permutation and flips.
    perm = torch.randperm(3, generator=generator).tolist()
    x = x.permute(0, 1, *(p + 2 for p in perm))
    flips = [d + 2 for d in range(3) if torch.rand(1, generator=generator).item() < 0.5]
    return torch.flip(x, flips) if flips else x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--val-frac", type=float, default=0.1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    generator = torch.Generator().manual_seed(args.seed)
    maps, labels = load(args.data)
    n = len(labels)
    order = torch.randperm(n, generator=generator)
    n_val = int(n * args.val_frac)
    val_idx, train_idx = order[:n_val], order[n_val:]

    net = threshold_model.ThresholdNet()
    # The histogram features do not depend on weights or on the cube symmetries used for augmentation,
    # so they are computed once per map.
    with torch.no_grad():
        cdf = torch.cat([net.cdf(maps[i:i + 32].float()) for i in range(0, n, 32)])
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    steps = args.epochs * ((len(train_idx) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    loss_fn = torch.nn.SmoothL1Loss(beta=0.05)

    for epoch in range(args.epochs):
        t0 = time.time()
        net.train()
        perm = train_idx[torch.randperm(len(train_idx), generator=generator)]
        total = 0.0
        for start in range(0, len(perm), args.batch):
            idx = perm[start:start + args.batch]
            x = augment(maps[idx].float(), generator)
            y = labels[idx]
            opt.zero_grad()
            pred, _ = net(x, cdf[idx])
            loss = loss_fn(pred, y)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        net.eval()
        with torch.no_grad():
            errs = []
            for start in range(0, n_val, 64):
                idx = val_idx[start:start + 64]
                pred, _ = net(maps[idx].float(), cdf[idx])
                errs.append((pred - labels[idx]).abs())
            mae = torch.cat(errs).mean().item() if errs else float("nan")
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {total / len(train_idx):.5f}, "
              f"validation |error| {mae:.4f} (normalized), {time.time() - t0:.0f} s", flush=True)

    os.makedirs(args.out, exist_ok=True)
    torch.save(net.state_dict(), os.path.join(args.out, "model.pt"))
    threshold_model.export(net, os.path.join(args.out, "siren_threshold.onnx"))
    with open(os.path.join(args.out, "siren_threshold_head.json"), "w") as f:
        json.dump(threshold_model.head_json(net), f)
    print(f"exported to {args.out}")


if __name__ == "__main__":
    main()
