"""The EAO interval of a benchmark from its sequence lengths."""
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ['EAOInterval', 'eao_interval', 'silverman_bandwidth']


@dataclass(frozen=True)
class EAOInterval:
    """``[low, high]`` of the EAO score, the density peak and the bandwidth."""
    low: int
    high: int
    peak: int
    bandwidth: float


def silverman_bandwidth(lengths: Sequence[float]) -> float:
    """Silverman's rule of thumb, ``1.06 * std * n ** (-1 / 5)`` (sample
    standard deviation, ``ddof=1``)."""
    x = np.asarray(lengths, np.float64).reshape(-1)
    if len(x) < 2:
        raise ValueError('an EAO interval needs at least 2 lengths')
    return float(1.06 * x.std(ddof=1) * len(x) ** -0.2)


def eao_interval(lengths: Sequence[float], mass: float = 0.5) -> EAOInterval:
    """The interval around the most likely length holding ``mass`` of it.

    The lengths (sequence lengths for the supervised experiment, anchor
    sub-sequence lengths for multistart, see ``multistart_lengths``) are
    smoothed by a Gaussian kernel density estimate with Silverman's
    bandwidth, evaluated at ``1..max(lengths)`` and normalised there. The
    interval grows from the peak one length at a time towards the denser
    neighbour (towards ``high`` on a tie) until it holds ``mass``: the
    procedure of the VOT toolkit's interval estimation (highest-density
    region of 50% mass for a unimodal density).
    """
    if not 0 < mass <= 1:
        raise ValueError(f'mass must be in (0, 1], got {mass}')
    x = np.asarray(lengths, np.float64).reshape(-1)
    bandwidth = silverman_bandwidth(x)
    if not bandwidth > 0:
        raise ValueError('the lengths are all equal: no interval to estimate')
    grid = np.arange(1, int(np.max(x)) + 1, dtype=np.float64)
    density = np.exp(-0.5 * ((grid[:, None] - x[None]) / bandwidth)**2).sum(1)
    density /= density.sum()
    lo = hi = peak = int(np.argmax(density))
    held = density[peak]
    while held < mass and (lo > 0 or hi < len(grid) - 1):
        below = density[lo - 1] if lo > 0 else -1.0
        above = density[hi + 1] if hi < len(grid) - 1 else -1.0
        if below > above:
            lo -= 1
            held += below
        else:
            hi += 1
            held += above
    return EAOInterval(int(grid[lo]), int(grid[hi]), int(grid[peak]),
                       bandwidth)
