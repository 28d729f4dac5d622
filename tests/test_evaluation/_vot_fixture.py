"""The copied VOT metric fixture (tests/data/vot_metrics): paths, settings
read from its stack and expected.json, and the user's loading path (the
fileio reader -> Regions -> VOTSequence)."""
import functools
import json
import os.path as osp
from typing import Dict, List, Optional

import numpy as np
import yaml

from stark_plugin.evaluation.functional.vot import Regions, VOTSequence
from stark_plugin.fileio import vot as vot_io

FIXTURE = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'data', 'vot_metrics')
SEQUENCES = osp.join(FIXTURE, 'sequences')
RESULTS = osp.join(FIXTURE, 'results')
TOLERANCE = 1e-6


@functools.lru_cache(maxsize=None)
def expected() -> dict:
    with open(osp.join(FIXTURE, 'expected.json')) as f:
        return json.load(f)


@functools.lru_cache(maxsize=None)
def stack() -> dict:
    with open(osp.join(FIXTURE, expected()['stack']['yaml'])) as f:
        return yaml.safe_load(f)


def experiment_type(experiment: str) -> str:
    return stack()['experiments'][experiment]['type']


def analyses(experiment: str, type_name: str) -> List[dict]:
    """Parameters (defaults included) of the experiment's analyses of one
    toolkit class, e.g. ``'supervised.EAOScore'``."""
    dumped = expected()['stack']['parameters_as_dumped_by_toolkit']
    return [a for a in dumped[experiment]['analyses']
            if a['type'] == f'vot.analysis.{type_name}']


def one_analysis(experiment: str, type_name: str) -> dict:
    found = analyses(experiment, type_name)
    assert len(found) == 1, f'{experiment}: {len(found)} {type_name}'
    return found[0]


@functools.lru_cache(maxsize=None)
def records() -> tuple:
    return tuple(vot_io.read_dataset(SEQUENCES))


@functools.lru_cache(maxsize=None)
def sequences() -> tuple:
    return tuple(VOTSequence.from_record(r) for r in records())


def runs(tracker: str, experiment: str) -> Dict[str, List[Regions]]:
    folder = osp.join(RESULTS, tracker, experiment)
    return {s.name: [Regions.from_list(r)
                     for r in vot_io.read_runs(folder, s.name)]
            for s in sequences()}


def anchor_runs(tracker: str,
                experiment: str) -> Dict[str, Dict[int, Regions]]:
    folder = osp.join(RESULTS, tracker, experiment)
    out = {}
    for s in sequences():
        forward, backward = s.anchor_frames()
        read = vot_io.read_anchor_runs(folder, s.name, forward + backward)
        out[s.name] = {a: Regions.from_list(r) for a, r in read.items()}
    return out


def compare(exp, got, where: str, diffs: Dict[str, float],
            tol: float = TOLERANCE) -> None:
    """Every leaf of ``exp`` against ``got`` (dicts by key, lists
    element-wise, ``'NaN'`` = NaN); records the max abs diff per path."""
    if isinstance(exp, dict):
        for key, value in exp.items():
            assert key in got, f'{where}: {key} missing (have {sorted(got)})'
            compare(value, got[key], f'{where}/{key}', diffs, tol)
        return
    e = np.asarray(_as_float(exp), np.float64)
    g = np.asarray(got, np.float64)
    assert g.shape == e.shape, f'{where}: shape {g.shape}, expected {e.shape}'
    same_nan = np.isnan(e) == np.isnan(g)
    assert same_nan.all(), f'{where}: NaN where {e} expected, got {g}'
    d = float(np.max(np.abs(np.nan_to_num(g - e)), initial=0.0))
    diffs[where] = d
    assert d <= tol, f'{where}: max abs diff {d:.3g} > {tol:g}'


def _as_float(exp):
    """expected.json writes NaN as the string 'NaN'."""
    if isinstance(exp, list):
        return [_as_float(v) for v in exp]
    return float('nan') if exp == 'NaN' else exp


def leaf_count(exp) -> int:
    if isinstance(exp, dict):
        return sum(leaf_count(v) for v in exp.values())
    return 1


def nan_gt_conflicts(seq: VOTSequence, run: Regions, toolkit: str) -> int:
    """Frames where mmtracking's ``np.loadtxt`` GT (a NaN rectangle, bounds
    from numba's ``int(round(nan))``) cannot be reproduced: a tracker
    rectangle on a NaN GT frame. With the 0.5.3 rules an empty rectangle
    there still gives 0 (no pixel), so only non-empty ones count; with the
    0.9.0 rules the empty-vs-empty 1.0 depends on those bounds too."""
    on_nan = seq.groundtruth.is_special(0) & ~run.is_special()
    if toolkit == '0.5.3':
        on_nan &= ~run.is_empty()
    return int(on_nan.sum())


def float32_xyxy_roundtrip(run: Regions) -> Regions:
    """Tracker boxes as mmtracking's VOTDataset gets them (fixture setting
    ``votdataset_evaluate``): float32 ``x1, y1, x2, y2`` from which
    ``evaluate()`` subtracts ``x1``/``y1`` again, in float32."""
    items: List[object] = []
    for i in range(len(run)):
        if run.kinds[i] == 0:
            items.append(int(run.codes[i]))
            continue
        x, y, w, h = (float(v) for v in run.boxes[i])
        b = np.array([x, y, x + w, y + h], np.float32)
        b[2] -= b[0]
        b[3] -= b[1]
        items.append(b)
    return Regions.from_list(items)


def tracker_names(experiment: str) -> List[str]:
    return list(expected()['vot_toolkit'][experiment])


def mm_toolkit(env: str) -> Optional[str]:
    return expected()['mmtracking']['runs'][env]['env'].get('vot-toolkit')
