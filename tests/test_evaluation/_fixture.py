"""Paths and name mappings of the copied SOT metric fixture."""
import functools
import json
import math
import os.path as osp

FIXTURE = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'data', 'sot_metrics')
DATA = osp.join(FIXTURE, 'data')

#: expected.json method key -> our protocol name
METHOD_TO_PROTOCOL = {
    'got10k.ExperimentGOT10k': 'got10k',
    'got10k.ExperimentOTB': 'got10k',
    'lasot_toolkit.eval_tracker_m': 'lasot_toolkit',
    'mmtracking.eval_sot_ope/all_frames': 'mmtracking_all_frames',
    'mmtracking.eval_sot_ope/visible_only': 'mmtracking_visible_only',
    'stark.extract_results/exclude_invalid_frames=False': 'pytracking',
    'stark.extract_results/exclude_invalid_frames=True':
    'pytracking_exclude_invalid',
    'trackingnet_devkit.metrics': 'trackingnet_server',
}
#: expected.json dataset key -> (our dataset name, folder, split)
DATASETS = {
    'LaSOT': ('lasot', 'LaSOT', 'test'),
    'GOT10k': ('got10k', 'GOT10k', 'val'),
    'TrackingNet': ('trackingnet', 'TrackingNet', 'TRAIN_0'),
    'OTB100': ('otb100', 'OTB100', None),
}
#: provenance fields of expected.json that are not metric values
NOT_METRICS = {'master_branch_max_abs_diff', 'sr_0.75_threshold'}


@functools.lru_cache(maxsize=None)
def expected() -> dict:
    with open(osp.join(FIXTURE, 'expected.json')) as f:
        return json.load(f)


def results_dir(ds_key: str, protocol: str, tracker: str) -> str:
    """GOT-10k's own toolkit reads the submission-style folders."""
    sub = ds_key + ('_submission'
                    if ds_key == 'GOT10k' and protocol == 'got10k' else '')
    return osp.join(DATA, 'results', sub, tracker)


def cases():
    """(dataset key, method key, tracker) for every result in expected.json."""
    out = []
    for ds, methods in expected()['results'].items():
        for method, trackers in methods.items():
            if method.endswith('#settings'):
                continue
            out.extend((ds, method, t) for t in trackers)
    return out


def tolerance(protocol: str) -> float:
    return 1e-4 if protocol.startswith('pytracking') else 1e-6


def is_toolkit_failure(value) -> bool:
    return value == 'NaN' or isinstance(value, str) and value.startswith(
        'Exception')


def assert_matches(expected_values: dict, got: dict, tol: float,
                   where: str, skip_failures: bool = False) -> int:
    """Compare every metric of ``expected_values`` (not per_sequence)."""
    n = 0
    for key, value in expected_values.items():
        if key in NOT_METRICS or key == 'per_sequence':
            continue
        if skip_failures and is_toolkit_failure(value):
            continue
        assert key in got, f'{where}: {key} missing (have {sorted(got)})'
        g = got[key]
        if value == 'NaN':
            assert g == 'NaN' or (isinstance(g, float) and math.isnan(g)), \
                f'{where}: {key} expected NaN, got {g}'
        elif isinstance(value, (str, list)):
            assert g == value, f'{where}: {key} expected {value!r}, got {g!r}'
        else:
            assert isinstance(g, (int, float)) and abs(g - value) <= tol, \
                f'{where}: {key} expected {value}, got {g}'
        n += 1
    return n
