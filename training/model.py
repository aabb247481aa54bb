"""The shipped threshold model: a light 3D CNN that predicts the map's enclosed volume fraction, turned
into a contour level through the map's own cumulative histogram.

Contract (docs/thresholds.md): input "map" [N,1,64,64,64] float32 normalized map (siren preprocess),
outputs "threshold" [N,1] normalized level and "features" [N,F] pooled features read by the head.
The head predicts s = log(fraction of voxels enclosed); the level is where the map's log cumulative
histogram crosses s (piecewise-linear between LEVELS fixed levels), so an error in s is directly the
log volume error the model is judged by.
"""
import torch
from torch import nn

LEVELS = 40
WIDTHS = (8, 16, 32, 48)
HIDDEN = 32
FEATURES = 2 * WIDTHS[-1] + LEVELS
FLOOR = 1e-4


def level_grid():
    # Crowded near -1, where a molecule's edge lies on the normalized scale (labels span about -0.98…0.2).
    return -1 + 1.6 * torch.linspace(0, 1, LEVELS) ** 1.5


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
        self.register_buffer("levels", level_grid())
        self.head = nn.Sequential(nn.Linear(FEATURES, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 1))

    def cdf(self, x):
        """log of the fraction of voxels above each level (a cumulative histogram; fixed, so training
        computes it once per map)."""
        flat = x.reshape(x.shape[0], 1, -1)
        above = (flat > self.levels.reshape(1, -1, 1)).to(x.dtype).mean(dim=2)
        return torch.log(above + FLOOR)

    def level_for_fraction(self, s, cdf):
        """Inverse of the piecewise-linear log cumulative histogram at s ([N,1]); monotone in s."""
        c_hi, c_lo = cdf[:, :-1], cdf[:, 1:]
        step = self.levels[1:] - self.levels[:-1]
        part = torch.clamp((c_hi - s) / torch.clamp(c_hi - c_lo, min=1e-6), 0.0, 1.0)
        return self.levels[0] + (part * step).sum(dim=1, keepdim=True)

    def forward(self, x, cdf=None):
        cdf = self.cdf(x) if cdf is None else cdf
        c = self.conv(x)
        f = torch.cat([c.mean(dim=(2, 3, 4)), c.amax(dim=(2, 3, 4)), cdf], dim=1)
        s = self.head(f)
        return self.level_for_fraction(s, cdf), f, s


class Exported(nn.Module):
    """The ONNX graph's outputs: threshold and features."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        t, f, _ = self.net(x)
        return t, f


def export(model, path, opset=17):
    """ONNX with our contract; N is dynamic."""
    model.eval()
    dummy = torch.zeros(2, 1, 64, 64, 64)
    torch.onnx.export(Exported(model), dummy, path, input_names=["map"], output_names=["threshold", "features"],
                      dynamic_axes={"map": {0: "N"}, "threshold": {0: "N"}, "features": {0: "N"}},
                      opset_version=opset, do_constant_folding=True)


def head_json(model):
    """The head and the level grid in the layout ThresholdHead.Read expects (Linear.weight is out x in,
    row-major); the head's output is the log enclosed fraction, turned into a level with the map's
    cumulative histogram (the last LEVELS features)."""
    first, last = model.head[0], model.head[2]
    return {
        "features": FEATURES,
        "hidden": HIDDEN,
        "w1": [float(x) for x in first.weight.detach().reshape(-1)],
        "b1": [float(x) for x in first.bias.detach()],
        "w2": [float(x) for x in last.weight.detach().reshape(-1)],
        "b2": float(last.bias.detach()[0]),
        "levels": [float(x) for x in model.levels],
    }
