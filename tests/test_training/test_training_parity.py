"""Training parity with the official STARK code:
``stark_plugin.testing.training_parity`` (the code of
``tools/analysis/check_training_parity.py``) on the fixture copied from the
official training code (``tests/data/reference/train``)."""
import glob
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from stark_plugin.testing.tool_process import run_tool

from stark_plugin.testing.training_parity import check_training_parity

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
FIXTURE = osp.join(REPO_ROOT, 'tests', 'data', 'reference', 'train')
TOOL = osp.join(REPO_ROOT, 'tools', 'analysis', 'check_training_parity.py')


@pytest.fixture(scope='session')
def parity_run(tmp_path_factory):
    """One run of the tool on the fixture, shared by the tests that read
    its report (a module runs on one pytest-xdist worker, see conftest)."""
    out = str(tmp_path_factory.mktemp('parity') / 'parity.json')
    rc = check_training_parity(FIXTURE, threads=2, json_path=out)
    with open(out) as f:
        return rc, json.load(f)


def _rows(report, text):
    rows = [r for r in report['rows'] if text in r['check']]
    assert rows, f'no row matching {text!r}'
    return rows


@pytest.mark.slow(seconds=110)
def test_every_check_passes(parity_run):
    rc, report = parity_run
    failed = [r for r in report['rows'] if not r['passed']]
    assert rc == 0 and report['passed'] and not failed, failed


@pytest.mark.slow
def test_the_run_covers_every_recorded_quantity(parity_run):
    _, report = parity_run
    with open(osp.join(FIXTURE, 'processing.json')) as f:
        processing = json.load(f)
    steps = sorted(osp.basename(p)[:-5]
                   for p in glob.glob(osp.join(FIXTURE, 'step_*.json')))
    for step in steps:
        assert _rows(report, f'{step}: parameters with a gradient')
        assert _rows(report, f'{step}: gradient clipping total norm')
        assert _rows(report, f'{step}: update_l2 of every parameter')
        assert _rows(report, f'{step}: decoder output hs')
    n_crops = sum(len(s['images']) for s in processing['samples'])
    crops = _rows(report, 'processing: crops, exact')[0]['check']
    compared = int(crops.split('(')[1].split(' of ')[0])
    assert 0 < compared <= n_crops
    assert _rows(report, 'settings st1:') and _rows(report, 'settings st2:')


def test_missing_fixture_file_is_a_clear_error(tmp_path, capsys):
    fixture = tmp_path / 'reference' / 'train'
    shutil.copytree(FIXTURE, fixture)
    (fixture / 'processing.npz').unlink()
    assert check_training_parity(str(fixture)) == 1
    assert 'processing.npz' in capsys.readouterr().err


def test_missing_weights_are_a_clear_error(tmp_path, capsys):
    fixture = tmp_path / 'train'
    shutil.copytree(FIXTURE, fixture)
    assert check_training_parity(str(fixture)) == 1
    assert 'manifest' in capsys.readouterr().err


def test_tool_reports_a_bad_fixture_with_exit_code_1(tmp_path):
    """The command line tool runs the same check: its exit code, error."""
    fixture = tmp_path / 'train'
    shutil.copytree(FIXTURE, fixture)
    proc = run_tool([TOOL, '--fixture', str(fixture)], cwd=REPO_ROOT,
                    timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'error:' in proc.stderr and 'manifest' in proc.stderr
    assert proc.stdout.startswith('fixture ')


@pytest.mark.slow
def test_a_perturbed_fixture_fails(tmp_path, capsys):
    """The checks can fail: shift one box target by 1e-5 and one recorded
    loss by 1e-4 (relative) in a copy of the fixture. The copy leaves out
    the steps that neither change touches, other than the stage-1 step
    that holds the batch (each costs a ResNet-50 training step)."""
    ref = tmp_path / 'reference'
    shutil.copytree(osp.dirname(FIXTURE), ref)
    train = ref / 'train'
    for path in glob.glob(str(train / 'step_*.json')):
        name = osp.basename(path)[:-5]
        if name not in ('step_st1', 'step_st2'):
            os.remove(path)
            os.remove(path[:-5] + '.npz')
    assert osp.isfile(train / 'step_st1.npz')  # the batch
    with np.load(train / 'processing.npz') as data:
        arrays = {k: data[k] for k in data.files}
    arrays['anno_out'][0, -1, 0] += 1e-5
    np.savez(train / 'processing.npz', **arrays)
    with open(train / 'step_st2.json') as f:
        info = json.load(f)
    info['loss'] *= 1 + 1e-4
    with open(train / 'step_st2.json', 'w') as f:
        json.dump(info, f)
    out = tmp_path / 'out.json'
    assert check_training_parity(str(train), json_path=str(out)) == 1
    with open(out) as f:
        report = json.load(f)
    failed = {r['check'] for r in report['rows'] if not r['passed']}
    assert failed == {
        'processing: box targets after the crop flip (anno_out)',
        'step_st2: BCE loss (relative)', 'step_st2: total loss (relative)'
    }
    assert 'FAIL' in capsys.readouterr().out
