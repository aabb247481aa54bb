"""Trains the paper's CNN (Kinman et al. 2024, Methods; PaperCNN in convert_original.py) on a set written by
`siren make-training-set`, so it can be compared with the shipped light model on the same data and the same
held-out sets (docs/thresholds.md, "The paper's architecture").

    python3 training/train_paper_cnn.py --data WORK/train --out WORK/paper_cnn --device cuda
    siren predict-thresholds --voldir WORK/eval_heldout/maps --outdir WORK/eval_heldout/pred_paper --model WORK/paper_cnn/paper_cnn.onnx

Defaults are the paper's recipe: 10 epochs, batch 32, Adam at 5e-6 without weight decay, dropout 0.3, and its
loss (eq. 4): the mean over voxels of (σ(10(v − p)) − σ(10(v − t)))², p the predicted and t the labelled
normalized level. --loss smoothl1 trains on the level directly, as the shipped model does, to tell the
architecture's effect from the loss's. The same cube-symmetry augmentation and validation split as
train.py. Writes OUT/paper_cnn.pth in the original's checkpoint format ({'model_state_dict': …}, plus the
optimizer's state, dropout's random state and the epoch, rewritten after every epoch), the weights alone as
OUT/paper_cnn.npz (also after every epoch) and OUT/paper_cnn.onnx with our contract. --resume continues from
such a checkpoint (an epoch of 2,000 maps is an hour on a 2-core CPU): the epochs it holds are replayed in the seeded draws only, so a resumed run on the CPU learns exactly
what an uninterrupted one does (on a GPU dropout draws from the device's generator, which is not saved). A
checkpoint without an epoch (the original's weights.pth) is a starting point instead: its weights, a fresh
optimizer, epoch 1. About 170 G multiply-adds per training map: hours per epoch on a 2-core CPU; on an
H200, 27 s per epoch of 5,400 maps in float32 (TF32 convolutions, PyTorch's default) and 17 s with --bf16,
plus a first epoch of 116 or 64 s in which cuDNN tries its algorithms. training/paper_recipe_gpu.sh runs
it on a GPU machine without .NET.
"""
import argparse
import os
import time

import numpy as np
import torch

from convert_original import PaperCNN, export
from train import augment, load_split, shuffled_batches


def soft_enclosed_loss(maps, predicted, labelled):
    """The paper's eq. 4: squared difference of soft (sigmoid, slope 10) voxel counts above the two levels."""
    p = predicted.view(-1, 1, 1, 1, 1)
    t = labelled.view(-1, 1, 1, 1, 1)
    return ((torch.sigmoid(10 * (maps - p)) - torch.sigmoid(10 * (maps - t))) ** 2).mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="a make-training-set folder (labels.csv, normalized_f16.bin)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-6)
    ap.add_argument("--loss", choices=["soft-enclosed", "smoothl1"], default="soft-enclosed")
    ap.add_argument("--resume", help="a checkpoint to continue from (this script's, or the original's weights.pth)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N maps (smoke tests, the CPU comparison in docs/thresholds.md)")
    ap.add_argument("--val-frac", type=float, default=0.1)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads (when --device cpu)")
    ap.add_argument("--bf16", action="store_true",
                    help="forward pass in bfloat16 autocast (weights, loss and validation stay float32): about 2x faster on "
                         "CPUs with AVX-512 BF16, such as AMD Zen 4 and Intel Sapphire Rapids, and on GPUs")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    maps, labels, train_idx, val_idx = load_split(args.data, args.limit, args.val_frac, generator)
    device = torch.device(args.device)
    if device.type == "cuda":
        # The whole set on the device (6,000 maps in float16 are 3 GB), so each batch's gather and flips run
        # there rather than on the host and across the bus 32 MB at a time.
        maps = maps.to(device)
        torch.backends.cudnn.benchmark = True

    net = PaperCNN().to(device)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr, weight_decay=0)
    done = 0
    if args.resume:
        checkpoint = torch.load(args.resume, map_location="cpu")  # the random state must stay a CPU tensor; the loads move the rest
        net.load_state_dict(checkpoint["model_state_dict"])
        if "optimizer_state_dict" in checkpoint:
            opt.load_state_dict(checkpoint["optimizer_state_dict"])
        if "rng_state" in checkpoint:
            torch.set_rng_state(checkpoint["rng_state"])  # dropout's draws
        done = checkpoint.get("epoch", 0)
        print(f"resuming from {args.resume} after epoch {done}", flush=True)
    os.makedirs(args.out, exist_ok=True)
    smooth_l1 = torch.nn.SmoothL1Loss(beta=0.05)
    for _ in range(done):
        for idx in shuffled_batches(train_idx, args.batch, generator):
            augment(torch.zeros(1, 1, 1, 1, 1), generator)
    for epoch in range(done, args.epochs):
        t0 = time.time()
        net.train()
        total = 0.0
        for idx in shuffled_batches(train_idx, args.batch, generator):
            x = augment(maps[idx.to(maps.device)].float(), generator).to(device)
            y = labels[idx].to(device)
            opt.zero_grad()
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=args.bf16):
                pred = net(x)
            pred = pred.float()
            loss = soft_enclosed_loss(x, pred, y) if args.loss == "soft-enclosed" else smooth_l1(pred, y)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        net.eval()
        with torch.no_grad():
            errors = [(net(maps[val_idx[i:i + 16].to(maps.device)].float().to(device)).cpu() - labels[val_idx[i:i + 16]]).abs()
                      for i in range(0, len(val_idx), 16)]
        mae = torch.cat(errors).mean().item() if errors else float("nan")
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {total / max(1, len(train_idx)):.6f}, "
              f"validation |error| {mae:.4f} (normalized), {time.time() - t0:.0f} s", flush=True)
        # Through a temporary file: a run stopped while writing must leave the last epoch's checkpoint whole.
        checkpoint_path = os.path.join(args.out, "paper_cnn.pth")
        torch.save({"model_state_dict": net.state_dict(), "optimizer_state_dict": opt.state_dict(), "epoch": epoch + 1,
                    "rng_state": torch.get_rng_state()}, checkpoint_path + ".tmp")
        os.replace(checkpoint_path + ".tmp", checkpoint_path)
        # The weights alone as numpy arrays too: a GPU machine's newer PyTorch may write a checkpoint an older
        # one cannot read, and its file limits may not pass the optimizer's state (convert_original.py reads both).
        with open(os.path.join(args.out, "paper_cnn.npz.tmp"), "wb") as f:
            np.savez(f, epoch=np.array(epoch + 1), **{k: v.cpu().numpy() for k, v in net.state_dict().items()})
        os.replace(os.path.join(args.out, "paper_cnn.npz.tmp"), os.path.join(args.out, "paper_cnn.npz"))

    net = net.cpu().eval()
    export(net, os.path.join(args.out, "paper_cnn.onnx"))
    print(f"wrote {args.out}/paper_cnn.pth and paper_cnn.onnx")


if __name__ == "__main__":
    main()
