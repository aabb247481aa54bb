"""The shipped threshold model: a light 3D CNN plus a histogram branch.

Contract (docs/thresholds.md): input "map" [N,1,64,64,64] float32 normalized map (siren preprocess),
outputs "threshold" [N,1] normalized level and "features" [N,F] pooled features read by the head.
The shipped head is an ensemble merged into one MLP (merged_head); training first uses one small head.
"""
import torch
from torch import nn

LEVELS = 48
WIDTHS = (8, 16, 32, 48)
HIDDEN = 32
FEATURES = 2 * WIDTHS[-1] + LEVELS + 2


class ThresholdNet(nn.Module):
    def __init__(self):
        super().__init__()
        w = WIDTHS
        # Four stride-2 convolutions take 64^3 to 4^3 (about 40 M multiply-adds per map).
        self.conv = nn.Sequential(
            nn.Conv3d(1, w[0], 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv3d(w[0], w[1], 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv3d(w[1], w[2], 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv3d(w[2], w[3], 3, stride=2, padding=1), nn.ReLU(),
        )
        # Histogram branch: log of the fraction of voxels above fixed levels (a cumulative histogram),
        # the quantity the label, an enclosed volume, is defined by, and the first two moments of the
        # density (its sum is the molecule's mass). Levels crowd near -1, where the molecule's edge lies
        # in normalized maps. Fixed, so training computes them once per map.
        self.register_buffer("levels", -1 + 1.95 * torch.linspace(0, 1, LEVELS) ** 2)
        self.head = nn.Sequential(nn.Linear(FEATURES, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 1))

    def cdf(self, x):
        flat = x.reshape(x.shape[0], 1, -1)
        above = (flat > self.levels.reshape(1, -1, 1)).to(x.dtype).mean(dim=2)
        # Normalized maps reach slightly below -1 (the original maps zero, not the smallest positive
        # value, there), so density is clamped at 0 before its moments are logged.
        density = torch.clamp((flat + 1) * 0.5, min=0.0)
        moments = torch.cat([density.mean(dim=2), (density * density).mean(dim=2)], dim=1)
        return torch.cat([torch.log(above + 1e-4), torch.log(moments + 1e-6)], dim=1)

    def features(self, x, cdf=None):
        c = self.conv(x)
        avg = c.mean(dim=(2, 3, 4))
        peak = c.amax(dim=(2, 3, 4))
        return torch.cat([avg, peak, self.cdf(x) if cdf is None else cdf], dim=1)

    def forward(self, x, cdf=None):
        f = self.features(x, cdf)
        return self.head(f), f


def merged_head(heads, weights):
    """One Linear-ReLU-Linear equal to the weighted mean of several heads, each (cols, mean, sd, head)
    reading the standardized features cols: (f[cols] - mean) / sd. Each head's first layer absorbs its
    standardization and is zero outside its columns; the hidden units are stacked and the last layer
    takes the weighted mean. So the ensemble keeps the form the ONNX graph and ThresholdHead
    (fine-tuning in C#) already carry."""
    hidden = sum(h[0].out_features for _, _, _, h in heads)
    first, last = nn.Linear(FEATURES, hidden), nn.Linear(hidden, 1)
    with torch.no_grad():
        first.weight.zero_()
        last.bias.zero_()
        row = 0
        for (cols, mean, sd, h), weight in zip(heads, weights):
            w, b = h[0].weight / sd, h[0].bias
            rows = slice(row, row + w.shape[0])
            first.weight[rows, cols] = w
            first.bias[rows] = b - w @ mean
            last.weight[0, rows] = weight * h[2].weight[0]
            last.bias += weight * h[2].bias
            row += w.shape[0]
    return nn.Sequential(first, nn.ReLU(), last)


def export(model, path, opset=17):
    """ONNX with our contract; N is dynamic."""
    model.eval()
    dummy = torch.zeros(2, 1, 64, 64, 64)
    torch.onnx.export(model, dummy, path, input_names=["map"], output_names=["threshold", "features"],
                      dynamic_axes={"map": {0: "N"}, "threshold": {0: "N"}, "features": {0: "N"}},
                      opset_version=opset, do_constant_folding=True)


def head_json(model):
    """The head's weights in the layout ThresholdHead.Read expects (Linear.weight is out x in, row-major)."""
    first, last = model.head[0], model.head[2]
    return {
        "features": FEATURES,
        "hidden": first.out_features,
        "w1": [float(x) for x in first.weight.detach().reshape(-1)],
        "b1": [float(x) for x in first.bias.detach()],
        "w2": [float(x) for x in last.weight.detach().reshape(-1)],
        "b2": float(last.bias.detach()[0]),
    }
