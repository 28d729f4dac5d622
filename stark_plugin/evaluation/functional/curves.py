"""Success / precision curves and the scores read off them."""
from typing import Optional

import numpy as np

__all__ = [
    'SUCCESS_THRESHOLDS', 'PYTRACKING_SUCCESS_THRESHOLDS',
    'PRECISION_THRESHOLDS', 'NORM_PRECISION_THRESHOLDS',
    'TRAPZ_SUCCESS_THRESHOLDS', 'TRAPZ_PRECISION_THRESHOLDS',
    'TRAPZ_NORM_PRECISION_THRESHOLDS', 'success_curve', 'precision_curve',
    'auc_mean', 'auc_trapz', 'ao_sr'
]

#: 21 IoU thresholds 0, 0.05, ..., 1 (numpy arange / linspace, Octave 0:0.05:1)
SUCCESS_THRESHOLDS = np.linspace(0.0, 1.0, 21)
#: pytracking's float64 ``torch.arange(0, 1.05, 0.05)``: identical except that
#: elements 13 and 15 come out one ulp above 0.65 and 0.75.
PYTRACKING_SUCCESS_THRESHOLDS = SUCCESS_THRESHOLDS.copy()
PYTRACKING_SUCCESS_THRESHOLDS[13] = np.nextafter(0.65, 1.0)
PYTRACKING_SUCCESS_THRESHOLDS[15] = np.nextafter(0.75, 1.0)
#: centre error thresholds 0..50 px; normalized ones 0..0.5 step 0.01
PRECISION_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
NORM_PRECISION_THRESHOLDS = np.arange(0, 51, dtype=np.float64) / 100.0
#: the TrackingNet server's 21-point curves
TRAPZ_SUCCESS_THRESHOLDS = np.linspace(0, 1, 21)
TRAPZ_PRECISION_THRESHOLDS = np.linspace(0, 50, 21)
TRAPZ_NORM_PRECISION_THRESHOLDS = np.linspace(0, 0.5, 21)


def success_curve(ious: np.ndarray,
                  thresholds: np.ndarray = SUCCESS_THRESHOLDS,
                  inclusive: bool = False,
                  denominator: Optional[float] = None) -> np.ndarray:
    """Share of frames with IoU ``> t`` (``>= t`` if ``inclusive``).

    NaN IoUs never pass. ``denominator`` defaults to ``len(ious)``; toolkits
    that drop frames but keep the full length pass it explicitly.
    """
    ious = np.asarray(ious, dtype=np.float64)
    denom = len(ious) if denominator is None else denominator
    with np.errstate(invalid='ignore'):
        if inclusive:
            hits = ious[:, None] >= thresholds[None, :]
        else:
            hits = ious[:, None] > thresholds[None, :]
    return hits.sum(axis=0) / float(denom)


def precision_curve(errors: np.ndarray,
                    thresholds: np.ndarray = PRECISION_THRESHOLDS,
                    denominator: Optional[float] = None) -> np.ndarray:
    """Share of frames with centre error ``<= d``; NaN never passes."""
    errors = np.asarray(errors, dtype=np.float64)
    denom = len(errors) if denominator is None else denominator
    with np.errstate(invalid='ignore'):
        hits = errors[:, None] <= thresholds[None, :]
    return hits.sum(axis=0) / float(denom)


def auc_mean(curve: np.ndarray) -> float:
    """Area under a success curve as the mean of its points (OTB style)."""
    return float(np.mean(curve))


def auc_trapz(curve: np.ndarray,
              x: np.ndarray = TRAPZ_SUCCESS_THRESHOLDS) -> float:
    """Trapezoid area ``sum(dx * (y[i] + y[i+1]) / 2)`` (numpy's order)."""
    curve = np.asarray(curve, dtype=np.float64)
    d = np.diff(x)
    return float((d * (curve[1:] + curve[:-1]) / 2.0).sum())


def ao_sr(ious: np.ndarray, thresholds=(0.5, 0.75)) -> tuple:
    """GOT-10k average overlap and success rates (fractions).

    ``AO = mean(IoU)`` (NaN if any IoU is NaN), ``SR_t = mean(IoU > t)``.
    """
    ious = np.asarray(ious, dtype=np.float64)
    if len(ious) == 0:
        return float('nan'), tuple(float('nan') for _ in thresholds)
    with np.errstate(invalid='ignore'):
        return float(np.mean(ious)), tuple(
            float(np.mean(ious > t)) for t in thresholds)
