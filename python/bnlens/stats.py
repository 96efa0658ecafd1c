"""What bnlens.torch and bnlens.keras compute alike, on plain numbers."""

import math

BINS = 40
#: Histograms and moments come from at most this many elements (an even stride through the tensor);
#: per-channel statistics and non-finite counts always use every element.
SAMPLE = 1 << 16
_EDGE_QUANTILES = (0.005, 0.995)
_EDGE_MARGIN = 0.1


def quantile_positions(n):
    """Indices into n sorted finite values of the [0.5 %, 99.5 %] quantiles the edges span."""
    return int(math.floor(_EDGE_QUANTILES[0] * (n - 1))), int(math.ceil(_EDGE_QUANTILES[1] * (n - 1)))


def fixed_edges(lo, hi):
    """BINS + 1 equal-width edges over [lo, hi] widened by 10 % each side (a constant: ±0.5), as BN
    Lens' own recorder chooses them; fixed for the rest of the run."""
    if hi > lo:
        margin = (hi - lo) * _EDGE_MARGIN
        lo, hi = lo - margin, hi + margin
    else:
        lo, hi = lo - 0.5, hi + 0.5
    return [lo + (hi - lo) * i / BINS for i in range(BINS + 1)]


def moments(n, nonfinite, lo, hi, total, squares):
    """The *_moments vector: [count, nonfinite, min, max, mean, std (÷ n)]."""
    mean = total / n if n else float("nan")
    std = math.sqrt(max(0.0, squares / n - mean * mean)) if n else float("nan")
    return [float(n), float(nonfinite), lo, hi, mean, std]
