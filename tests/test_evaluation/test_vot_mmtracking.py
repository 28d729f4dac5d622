"""expected.json's ``mmtracking`` runs, reproduced by
``evaluate_supervised(variant='mmtracking')`` on the first supervised run.

The overlap rules follow the vot-toolkit version of each environment
(``runs[env].env['vot-toolkit']``). Ground truth per mmtracking path:
``functions_gt_xywh`` the rectangles; ``functions_gt_poly8`` and
``votdataset_evaluate`` 4-point polygons with corners at ``x + w``
(``Regions.as_polygons``, as mmtracking's ``VOTDataset``); for
``votdataset_evaluate`` the tracker boxes also go through the float32
``x1, y1, x2, y2`` conversion the fixture describes, and accuracy and
robustness are compared after rounding to 4 decimals as ``evaluate()``
returns them. Skipped, with the reason: quantities where mmtracking raised
(``{"error": ...}``) and trackers whose boxes meet NaN ground truth frames
(mmtracking's rectangles of NaN have arbitrary bounds).
"""
import pytest

from stark_plugin.evaluation.functional.vot import (VOTSequence,
                                                    evaluate_supervised)

from ._vot_fixture import (compare, expected, float32_xyxy_roundtrip,
                           mm_toolkit, nan_gt_conflicts, runs, sequences)

PATHS = ('functions_gt_xywh', 'functions_gt_poly8', 'votdataset_evaluate')
CASES = [(env, path, trk)
         for env, run in expected()['mmtracking']['runs'].items()
         for path in PATHS for trk in run[path]]


def _evaluate(env: str, path: str, tracker: str) -> dict:
    settings = expected()['mmtracking']['settings']
    toolkit = mm_toolkit(env)
    seqs = [s if path == 'functions_gt_xywh' else
            VOTSequence(s.name, s.groundtruth.as_polygons(), s.width,
                        s.height) for s in sequences()]
    trajectories = runs(tracker, 'supervised')
    if path == 'votdataset_evaluate':
        trajectories = {k: [float32_xyxy_roundtrip(v[0])]
                        for k, v in trajectories.items()}
    conflicts = sum(nan_gt_conflicts(s, trajectories[s.name][0], toolkit)
                    for s in sequences())
    if conflicts:
        pytest.skip(f'{tracker} reports boxes on {conflicts} NaN ground '
                    'truth frames: mmtracking rasterises Rectangle(nan, ...) '
                    "with numba's arbitrary int(round(nan)) bounds")
    low, high = settings['interval']
    return evaluate_supervised(seqs, trajectories, low, high,
                               burnin=settings['burnin'],
                               variant='mmtracking', toolkit=toolkit)


@pytest.mark.parametrize('env,path,tracker', CASES)
def test_reproduces_mmtracking(env, path, tracker):
    exp = expected()['mmtracking']['runs'][env][path][tracker]
    if 'error' in exp:
        pytest.skip(f'mmtracking raised in {env}: {exp["error"]}')
    got = _evaluate(env, path, tracker)
    diffs = {}
    where = f'{env}/{path}/{tracker}'
    if path == 'votdataset_evaluate':
        compare(exp['eao'], got['eao'], f'{where}/eao', diffs)
        compare(exp['num_fails'], got['num_fails'], f'{where}/nf', diffs)
        for key in ('accuracy', 'robustness'):
            compare(exp[key], round(got[key], 4), f'{where}/{key}', diffs)
        return
    compare(exp['eao']['eao'], got['eao'], f'{where}/eao', diffs)
    for part, values in (('ar', exp['ar']), *exp['per_sequence'].items()):
        if 'error' in values:
            continue  # mmtracking raised: test_mm_errors_are_stated
        target = got if part == 'ar' else got['per_sequence'][part]
        compare(values, target, f'{where}/{part}', diffs)
    assert diffs


def test_mm_errors_are_stated():
    """Where mmtracking's accuracy raised (vot-toolkit >= 0.6 removed
    ``Special.UNKNOWN``), its EAO still ran and is compared above."""
    for env, run in expected()['mmtracking']['runs'].items():
        for path in PATHS[:2]:
            for trk, exp in run[path].items():
                if 'error' in exp['ar']:
                    assert 'Special' in exp['ar']['error']
                    assert 'eao' in exp['eao']
