"""The kept vot-toolkit run (tests/data/vot_toolkit): its sequences come
back byte for byte from the generator call that its generator.json
names, and eval_results.py reports every number of its ``vot analysis``
reports (vot-toolkit 0.7.4 and 0.9.0) within 1e-6."""
import filecmp
import glob
import json
import os
import os.path as osp

import pytest

from stark_plugin.datasets.synthetic_vot import make_synthetic_vot

from .toolkit_run import (DATA, assert_numbers_match, eval_results,
                          kept_generator_call, toolkit_numbers)

REPORTS = sorted(glob.glob(osp.join(DATA, 'analysis', '*.json')))


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
