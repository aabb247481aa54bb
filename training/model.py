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
# Features: the convolutions' average and peak, then the histogram branch: per level the enclosed
# fraction, two density moments, and per level the gradient sums at two scales (level_sums).
FEATURES = 2 * WIDTHS[-1] + LEVELS + 2 + 2 * 2 * LEVELS
# The network's own head, which trains with it, reads the features before the gradient sums. Those span
# ~20 log units unstandardized; with them the network trained worse (its head's validation error 0.077
# against 0.049), so only the shipped heads, which standardize their inputs, read them.
TRAINING_FEATURES = 2 * WIDTHS[-1] + LEVELS + 2


class LeadingFeatures(nn.Module):
    """The first count features: what the network's training head reads."""

    def __init__(self, count):
        super().__init__()
        self.count = count

    def forward(self, f):
        return f[:, :self.count]


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
        self.head = nn.Sequential(LeadingFeatures(TRAINING_FEATURES), nn.Linear(TRAINING_FEATURES, HIDDEN), nn.ReLU(),
                                  nn.Linear(HIDDEN, 1))

    def level_sums(self, x):
        """Per level L, the means over the grid of [v > L], [v > L]·|grad v| and [v > L]·|grad v|^2.
        The first is the volume a level encloses, the quantity the label is defined by. By the coarea
        formula the derivatives in L of the other two are the isosurface's area and its mean gradient
        times area, so together they say where the map's edge is (a blurred solid's steepest isosurface
        roughly encloses its volume), which the enclosed fraction alone does not. Central differences;
        the border voxels' gradient is set to 0.
        Each voxel is added to the bin of the levels it exceeds, then the bins are summed from the top:
        one pass over the map, where comparing every voxel with every level took 48."""
        n, cells = x.shape[0], x[0].numel()
        v = x[:, 0]
        gx = v[:, 2:, 1:-1, 1:-1] - v[:, :-2, 1:-1, 1:-1]
        gy = v[:, 1:-1, 2:, 1:-1] - v[:, 1:-1, :-2, 1:-1]
        gz = v[:, 1:-1, 1:-1, 2:] - v[:, 1:-1, 1:-1, :-2]
        g2 = nn.functional.pad(0.25 * (gx * gx + gy * gy + gz * gz), (1, 1, 1, 1, 1, 1)).reshape(n, cells)
        # Levels are -1 + 1.95 (k / (LEVELS - 1))^2, crowded near -1, where the molecule's edge lies in
        # normalized maps; so the number of levels below v has a closed form.
        below = torch.ceil((LEVELS - 1) * torch.sqrt(torch.clamp((x.reshape(n, cells) + 1) / 1.95, min=0.0)))
        below = torch.clamp(below, max=float(LEVELS)).long()
        bins = LEVELS + 1
        index = torch.cat([below, below + bins, below + 2 * bins], dim=1)
        values = torch.cat([torch.ones_like(g2), torch.sqrt(g2), g2], dim=1)
        sums = torch.zeros(n, 3 * bins, dtype=x.dtype).scatter_add(1, index, values).reshape(n, 3, bins)
        # Voxels in bin b exceed levels 0..b-1: level k's sum is that of bins k+1..LEVELS.
        above = torch.flip(torch.cumsum(torch.flip(sums[:, :, 1:], dims=[2]), dim=2), dims=[2])
        return above.transpose(1, 2) / cells

    def histograms(self, x):
        """The histogram branch's features: fixed functions of the map, so training computes them once."""
        fine = self.level_sums(x)
        coarse = self.level_sums(nn.functional.avg_pool3d(x, 2))
        flat = x.reshape(x.shape[0], 1, -1)
        # Normalized maps reach slightly below -1 (the original maps zero, not the smallest positive
        # value, there), so density is clamped at 0 before its moments are logged; the density's sum is
        # the molecule's mass.
        density = torch.clamp((flat + 1) * 0.5, min=0.0)
        moments = torch.cat([density.mean(dim=2), (density * density).mean(dim=2)], dim=1)
        return torch.cat([torch.log(fine[:, :, 0] + 1e-4), torch.log(moments + 1e-6),
                          torch.log(fine[:, :, 1] + 1e-6), torch.log(fine[:, :, 2] + 1e-8),
                          torch.log(coarse[:, :, 1] + 1e-6), torch.log(coarse[:, :, 2] + 1e-8)], dim=1)

    def features(self, x, histograms=None):
        c = self.conv(x)
        avg = c.mean(dim=(2, 3, 4))
        peak = c.amax(dim=(2, 3, 4))
        return torch.cat([avg, peak, self.histograms(x) if histograms is None else histograms], dim=1)

    def forward(self, x, histograms=None):
        f = self.features(x, histograms)
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
