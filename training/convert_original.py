"""Converts the original SIREn checkpoint (weights.pth, {'model_state_dict': ...} of the paper's CNNModel)
to ONNX with Siren.Native's contract: input "map" [N,1,64,64,64] float32 normalized map, output
"threshold" [N,1] normalized level.

    python3 training/convert_original.py weights.pth siren_original.onnx
    siren predict-thresholds --voldir maps/ --outdir thr/ --model siren_original.onnx

--random-checkpoint SEED writes a randomly initialised checkpoint of the same architecture instead of
reading one (for tests). The checkpoint may also be an .npz of the state_dict's arrays, as
training/paper_recipe_gpu.sh brings back from a GPU machine. --verify IN OUT runs the PyTorch model on the
float32 maps in IN (raw [N,1,64,64,64]) and writes its [N,1] float32 output to OUT, so ONNX Runtime can be checked against it.
"""
import argparse

import numpy as np
import torch
from torch import nn


class PaperCNN(nn.Module):
    """The architecture of the paper (Kinman et al. 2024, Methods), layer for layer so the checkpoint's
    state_dict keys (conv.0 … conv.15, mlp.0, mlp.2) load unchanged. Convolutions are unpadded, so the
    original's padding_mode has no effect and is omitted."""

    def __init__(self):
        super().__init__()
        layers = []
        for c_in, c_out, k, pool in [(1, 32, 7, False), (32, 64, 5, True), (64, 128, 5, True), (128, 256, 3, True)]:
            layers += [nn.Conv3d(c_in, c_out, k), nn.BatchNorm3d(c_out), nn.ReLU()]
            if pool:
                layers.append(nn.MaxPool3d(2))
        layers += [nn.Conv3d(256, 384, 1), nn.ReLU(), nn.AvgPool3d(3, stride=2), nn.Dropout(0.3)]
        self.conv = nn.Sequential(*layers)
        self.mlp = nn.Sequential(nn.Linear(384, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        x = self.conv(x.reshape(-1, 1, 64, 64, 64))
        return self.mlp(x.flatten(1))


def export(model, path):
    """The paper's network (eval mode) as ONNX with our contract; training/train_paper_cnn.py uses it too."""
    torch.onnx.export(model, torch.zeros(1, 1, 64, 64, 64), path, input_names=["map"], output_names=["threshold"],
                      dynamic_axes={"map": {0: "N"}, "threshold": {0: "N"}}, opset_version=17)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", help="weights.pth or .npz to read (or, with --random-checkpoint, a .pth to write)")
    ap.add_argument("onnx", help="output ONNX file")
    ap.add_argument("--random-checkpoint", type=int, metavar="SEED")
    ap.add_argument("--verify", nargs=2, metavar=("IN", "OUT"))
    args = ap.parse_args()

    model = PaperCNN()
    if args.random_checkpoint is not None:
        torch.manual_seed(args.random_checkpoint)
        model = PaperCNN()
        # Non-trivial batch-norm statistics, so the test also covers their folding into the graph.
        for m in model.modules():
            if isinstance(m, nn.BatchNorm3d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
        torch.save({"model_state_dict": model.state_dict()}, args.checkpoint)
    if args.checkpoint.endswith(".npz"):
        arrays = np.load(args.checkpoint)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in model.state_dict()})
    else:
        model.load_state_dict(torch.load(args.checkpoint, map_location="cpu")["model_state_dict"])
    model.eval()

    export(model, args.onnx)
    if args.verify:
        x = torch.from_numpy(np.fromfile(args.verify[0], dtype=np.float32).reshape(-1, 1, 64, 64, 64))
        with torch.no_grad():
            model(x).numpy().astype(np.float32).tofile(args.verify[1])
    print(f"wrote {args.onnx}")


if __name__ == "__main__":
    main()
