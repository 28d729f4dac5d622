"""tools/test.py with the VOT protocols on generated VOT-layout sequences
(the bundled tiny STARK): the toolkit's result folder, metrics equal to
the analysis of the written folder, resume, binary files, repetitions
and bad input."""
import glob
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from mmengine.evaluator import Evaluator
from stark_plugin.testing.scripts import import_script
from stark_plugin.testing.tool_process import run_tool

from stark_plugin.apis.model_zoo import DEFAULT_CHECKPOINT
from stark_plugin.datasets.synthetic_vot import make_synthetic_vot
from stark_plugin.engine import VOTTestLoop
from stark_plugin.errors import run_cli
from stark_plugin.evaluation.metrics import SOTMetric
from stark_plugin.evaluation.vot import (evaluate_tracker_folders,
                                         load_experiments, select_experiment)
from stark_plugin.fileio import vot as vot_io
from stark_plugin.fileio.vot import read_values

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'test.py')
CONFIG = osp.join(REPO, 'tests', 'data', 'configs',
                  'stark_st2_tiny_synth_vot.py')
LENGTHS = (9, 12, 16)  # different lengths: an 'auto' EAO interval exists
TRACKER = 'stark_tiny'  # test_cfg.tracker_name of CONFIG
SIZE = (160, 120)
JUMP = 3  # frame of the first sequence whose ground truth is moved away


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    """Generated sequences; in the first one the ground truth of frame
    JUMP is moved into the image corner farthest from the target, so that
    the supervised experiment fails there whatever the tracker does."""
    root = str(tmp_path_factory.mktemp('vot_loop') / 'sequences')
    names = make_synthetic_vot(root, len(LENGTHS), LENGTHS, seed=5,
                               size=SIZE)
    gt_file = osp.join(root, names[0], 'groundtruth.txt')
    regions = vot_io.read_trajectory(gt_file)
    x, y, w, h = vot_io.region_box(regions[JUMP])
    far_x = 2.0 if x + w / 2 > SIZE[0] / 2 else SIZE[0] - 12.0
    far_y = 2.0 if y + h / 2 > SIZE[1] / 2 else SIZE[1] - 12.0
    regions[JUMP] = np.array([far_x, far_y, 10, 10], np.float32)
    vot_io.write_trajectory(gt_file, regions)
    return root, names


def _options(data_root, stack, experiment, *extra):
    return ['--cfg-options', f'test_dataloader.dataset.data_root={data_root}',
            f'test_evaluator.stack={stack}',
            f'test_evaluator.experiment={experiment}', *extra]


def _test_tool():
    module = import_script(TOOL)
    return module


def run_in_process(work_dir, data_root, stack, experiment, *extra):
    _test_tool().main([CONFIG, DEFAULT_CHECKPOINT, '--work-dir',
                       str(work_dir)]
                      + _options(data_root, stack, experiment, *extra))
    return metrics_of(work_dir)


def metrics_of(work_dir):
    files = sorted(glob.glob(osp.join(str(work_dir), '*', '*.json')))
    with open(files[-1]) as f:
        return json.loads(f.readlines()[-1])


def offline(work_dir, data_root, stack, experiment, **kwargs):
    """The analysis of the written folder (what eval_results reports)."""
    report = evaluate_tracker_folders(
        data_root, {TRACKER: osp.join(str(work_dir), 'vot_results',
                                      TRACKER)}, stack, [experiment],
        **kwargs)
    return report['experiments'][experiment]['trackers'][TRACKER]


def assert_same_metrics(logged, analysed):
    keys = [k for k, v in analysed.items() if isinstance(v, float)]
    assert keys
    for key in keys:
        assert logged[f'vot/{key}'] == pytest.approx(analysed[key],
                                                     abs=1e-12, nan_ok=True)


def check_supervised_files(folder, names, lengths, skip, runs=1):
    for name, n in zip(names, lengths):
        for run in range(1, runs + 1):
            stem = osp.join(folder, name, f'{name}_{run:03d}')
            regions = vot_io.read_trajectory(stem + '.txt')
            assert len(regions) == n and regions[0] == 1
            times = read_values(stem + '_time.value')
            assert len(times) == n and times[0] > 0
            codes = [r if isinstance(r, int) else None for r in regions]
            for f in [i for i, c in enumerate(codes) if c == 2]:
                after = codes[f + 1:f + skip + 1]
                assert after == ([0] * (skip - 1) + [1])[:len(after)]
            with open(stem + '.txt') as fh:  # float32 values, str(float)
                for line in fh.read().splitlines():
                    if ',' in line:
                        vals = [float(v) for v in line.split(',')]
                        assert np.array_equal(
                            np.float32(vals).astype(np.float64), vals)


def test_supervised_subprocess_resume(data, tmp_path):
    """The user's command line; rerun reuses every complete run; a removed
    run is tracked again to the same file and the same numbers."""
    root, names = data
    cmd = [TOOL, CONFIG, DEFAULT_CHECKPOINT, '--work-dir',
           str(tmp_path)] + _options(root, 'vot2018', 'baseline',
                                     'test_evaluator.eao_interval=auto')
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = run_tool(cmd, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '[vot-supervised]' in proc.stdout + proc.stderr
    experiment = select_experiment(load_experiments('vot2018'), 'baseline')
    folder = osp.join(str(tmp_path), 'vot_results', TRACKER, 'baseline')
    assert sorted(os.listdir(folder)) == sorted(names)
    check_supervised_files(folder, names, LENGTHS,
                           experiment.skip_initialize)
    first = vot_io.read_trajectory(
        osp.join(folder, names[0], f'{names[0]}_001.txt'))
    reinit = JUMP + experiment.skip_initialize
    assert first[JUMP] == 2 and first[reinit] == 1
    logged = metrics_of(tmp_path)
    analysed = offline(tmp_path, root, 'vot2018', 'baseline',
                       eao_interval='auto')
    assert_same_metrics(logged, analysed)
    assert np.isfinite(logged['vot/eao'])

    stamps = {p: os.stat(p).st_mtime_ns
              for p in glob.glob(osp.join(folder, '*', '*'))}
    removed = osp.join(folder, names[1], f'{names[1]}_001.txt')
    with open(removed) as f:
        before = f.read()
    os.remove(removed)
    proc = run_tool(cmd, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for path, stamp in stamps.items():
        if names[1] not in path:
            assert os.stat(path).st_mtime_ns == stamp, path
    with open(removed) as f:
        assert f.read() == before
    again = metrics_of(tmp_path)
    for key, value in logged.items():
        if key.startswith('vot/'):
            assert again[key] == pytest.approx(value, abs=1e-12), key


def test_multistart_writes_one_run_per_anchor(data, tmp_path):
    root, names = data
    logged = run_in_process(tmp_path, root, 'vot2020', 'baseline',
                            'test_evaluator.eao_interval=auto')
    folder = osp.join(str(tmp_path), 'vot_results', TRACKER, 'baseline')
    for name, n in zip(names, LENGTHS):
        anchors = vot_io.read_sequence(osp.join(root, name)).values['anchor']
        files = sorted(os.listdir(osp.join(folder, name)))
        stems = {f'{name}_{a:08d}' for a in np.flatnonzero(anchors)}
        assert {f[:-4] for f in files if f.endswith('.txt')} == stems
        for a in np.flatnonzero(anchors):
            regions = vot_io.read_trajectory(
                osp.join(folder, name, f'{name}_{a:08d}.txt'))
            assert regions[0] == 1
            assert len(regions) == (n - a if anchors[a] > 0 else a + 1)
            assert not any(isinstance(r, int) for r in regions[1:])
    assert_same_metrics(logged, offline(tmp_path, root, 'vot2020',
                                        'baseline', eao_interval='auto'))


def test_unsupervised_and_longterm_one_pass(data, tmp_path):
    root, names = data
    logged = run_in_process(tmp_path / 'u', root, 'vot2020', 'unsupervised')
    assert_same_metrics(logged, offline(tmp_path / 'u', root, 'vot2020',
                                        'unsupervised'))
    assert 0 < logged['vot/average_overlap'] <= 1
    logged = run_in_process(tmp_path / 'lt', root, 'votlt2020', 'longterm')
    assert_same_metrics(logged, offline(tmp_path / 'lt', root, 'votlt2020',
                                        'longterm'))
    folder = osp.join(str(tmp_path / 'lt'), 'vot_results', TRACKER,
                      'longterm')
    for name, n in zip(names, LENGTHS):
        conf = read_values(osp.join(folder, name,
                                    f'{name}_001_confidence.value'))
        assert len(conf) == n and conf[0] is None
        assert all(0 <= c <= 1 for c in conf[1:])
    for key in ('precision', 'recall', 'f_score'):
        assert 0 <= logged[f'vot/{key}'] <= 1


def test_binary_results_and_early_stop(data, tmp_path):
    """15 repetitions of the stack: a deterministic tracker stops after 3
    equal runs, as the toolkit does; binary files, same numbers as text."""
    root, names = data
    sub = tmp_path / 'two'
    shutil.copytree(root, sub)
    (sub / 'list.txt').write_text('\n'.join(names[:2]) + '\n')
    text = run_in_process(tmp_path / 'text', str(sub), 'vot2018',
                          'baseline')
    binary = run_in_process(tmp_path / 'bin', str(sub), 'vot2018',
                            'baseline', 'test_cfg.results_binary=True',
                            'test_cfg.repetitions=15')
    folder = osp.join(str(tmp_path / 'bin'), 'vot_results', TRACKER,
                      'baseline')
    stack_runs = select_experiment(load_experiments('vot2018'),
                                   'baseline').repetitions
    assert stack_runs > 3
    for name in names[:2]:
        files = sorted(os.listdir(osp.join(folder, name)))
        assert files == sorted([f'{name}_{r:03d}.bin' for r in (1, 2, 3)] +
                               [f'{name}_{r:03d}_time.value'
                                for r in (1, 2, 3)])
        with open(osp.join(folder, name, f'{name}_001.bin'), 'rb') as f:
            assert f.read(2) == b'\x01\x00'
    for key, value in text.items():
        if key.startswith('vot/'):
            assert binary[key] == pytest.approx(value, abs=1e-9,
                                                nan_ok=True)


def test_bad_input_is_one_error_line(data, tmp_path, capsys):
    """tools/test.py's CLI: a sequence without anchors for the multistart
    experiment, a malformed ground-truth line, --format-only."""
    root, names = data
    bad = tmp_path / 'seqs'
    shutil.copytree(root, bad)
    os.remove(bad / names[0] / 'anchor.value')
    tool = _test_tool()

    def cli(data_root, stack, experiment, *extra):
        argv = [CONFIG, DEFAULT_CHECKPOINT, '--work-dir',
                str(tmp_path / 'w')] + _options(data_root, stack,
                                                experiment) + list(extra)
        rc = run_cli(tool.main, argv)
        return rc, capsys.readouterr().err.strip().splitlines()[-1]

    rc, line = cli(str(bad), 'vot2020', 'baseline')
    assert rc == 1 and line.startswith('error:')
    assert f'sequence {names[0]}: no anchors' in line
    gt = bad / names[1] / 'groundtruth.txt'
    lines = gt.read_text().splitlines()
    lines[1] = '1,2,x,4'
    gt.write_text('\n'.join(lines) + '\n')
    rc, line = cli(str(bad), 'vot2018', 'baseline')
    assert rc == 1 and f'{gt}:2: cannot parse' in line
    rc, line = cli(root, 'vot2018', 'baseline', '--format-only')
    assert rc == 1 and 'vot-toolkit result folder' in line
    with pytest.raises(ValueError, match='needs a VOTMetric'):
        VOTTestLoop._find_experiment(Evaluator([SOTMetric()]))
