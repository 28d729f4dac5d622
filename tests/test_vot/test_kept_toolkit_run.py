"""The kept vot-toolkit run (tests/data/vot_toolkit): its sequences come
back byte for byte from the generator call that its generator.json
names, and eval_results.py reports every number of its ``vot analysis``
reports (vot-toolkit 0.7.4 and 0.9.0) within 1e-6, also those of the
long-term (VOT-LT) analyses of its unsupervised run."""
import filecmp
import glob
import json
import os
import os.path as osp

import numpy as np
import pytest

from stark_plugin.datasets.synthetic_vot import make_synthetic_vot

from .toolkit_run import (DATA, assert_numbers_match, eval_results,
                          kept_generator_call, toolkit_numbers)

REPORTS = sorted(glob.glob(osp.join(DATA, 'analysis', '*.json')))
LONGTERM = osp.join(DATA, 'longterm')
LONGTERM_REPORTS = sorted(glob.glob(osp.join(LONGTERM, 'toolkit*.json')))


def _files(root):
    return sorted(osp.relpath(osp.join(folder, f), root)
                  for folder, _, files in os.walk(root) for f in files)


def test_generator_writes_the_kept_sequences(tmp_path):
    """Frames (JPEG bytes of this environment's OpenCV), ground truth,
    anchors, sequence files and list.txt."""
    kwargs = kept_generator_call()
    root = str(tmp_path / 'sequences')
    names = make_synthetic_vot(root, **kwargs)
    kept = osp.join(DATA, 'sequences')
    assert names == [line.strip() for line in
                     open(osp.join(kept, 'list.txt')) if line.strip()]
    assert _files(root) == _files(kept)
    _, mismatch, errors = filecmp.cmpfiles(root, kept, _files(kept),
                                           shallow=False)
    assert not mismatch and not errors, (mismatch, errors)


@pytest.mark.parametrize('report', REPORTS, ids=osp.basename)
def test_eval_results_reports_the_toolkit_numbers(report, tmp_path):
    with open(report) as f:
        expected = toolkit_numbers(json.load(f), 'stark')
    got = eval_results(osp.join(DATA, 'sequences'),
                       osp.join(DATA, 'results', 'stark'),
                       str(tmp_path / 'vot.json'))
    assert set(got) == set(expected)
    assert assert_numbers_match(expected, got, 1e-6) >= 10


def _by_analysis(report: dict, experiment: str, tracker: str) -> dict:
    """``{analysis class name: result}`` of one experiment and tracker of
    a ``vot analysis --format json`` report."""
    index = list(report['trackers']).index(tracker)
    entry = report['results'][experiment]
    return {a['type'].rsplit('.', 1)[1]: values[index] for a, values in
            zip(entry['parameters']['analyses'], entry['results'])}


@pytest.mark.parametrize('report', LONGTERM_REPORTS, ids=osp.basename)
def test_eval_results_reports_the_toolkit_longterm_numbers(report,
                                                           tmp_path):
    """Precision, recall and F-score at the best threshold, the averaged
    precision-recall curve and the F-score curve over the toolkit's
    thresholds, on the kept unsupervised run with its confidences."""
    with open(report) as f:
        toolkit = _by_analysis(json.load(f), 'unsupervised', 'stark')
    got = eval_results(osp.join(DATA, 'sequences'),
                       osp.join(DATA, 'results', 'stark'),
                       str(tmp_path / 'vot_lt.json'),
                       stack=osp.join(LONGTERM, 'stack.yaml'))
    ours = got['unsupervised']
    pr, re, f_score = toolkit['PrecisionRecall']
    assert ours['precision'] == pytest.approx(pr, abs=1e-12)
    assert ours['recall'] == pytest.approx(re, abs=1e-12)
    assert ours['f_score'] == pytest.approx(f_score, abs=1e-12)
    curve, thresholds = toolkit['PrecisionRecallCurve']
    # the toolkit's averaged curve holds (recall, precision) pairs
    np.testing.assert_allclose(np.asarray(ours['pr_curve'])[:, ::-1],
                               np.asarray(curve), rtol=0, atol=1e-12)
    ours_thresholds = [float(t) for t in ours['thresholds']]
    np.testing.assert_array_equal(ours_thresholds, thresholds)
    f_curve = toolkit['FScoreCurve'][0]
    np.testing.assert_allclose([float(v) for v in ours['f_curve']],
                               f_curve, rtol=0, atol=1e-12)
    # the reported point: the first threshold of the largest F-score
    assert ours['threshold'] == thresholds[int(np.argmax(f_curve))]
    assert len(curve) > 2  # more than the two infinite thresholds
