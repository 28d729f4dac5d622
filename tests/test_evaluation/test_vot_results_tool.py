"""The user's paths to the VOT numbers on the copied fixture:
``tools/analysis/eval_results.py --dataset vot`` on the toolkit's result
folders (text, and the same runs in the binary format) and ``VOTMetric``
fed as ``VOTTestLoop`` feeds it. Every value of expected.json's
``vot_toolkit`` section must come back within 1e-6; trackers,
experiments and settings are read from the fixture's files."""
import json
import os
import os.path as osp
import shutil

import pytest
from stark_plugin.testing.scripts import import_script
from stark_plugin.testing.tool_process import run_tool

from stark_plugin.evaluation.functional.vot import evaluate_supervised
from stark_plugin.evaluation.metrics import VOTMetric
from stark_plugin.fileio import vot as vot_io

from ._vot_fixture import (FIXTURE, RESULTS, SEQUENCES, compare, expected,
                           leaf_count, one_analysis, records, runs,
                           sequences)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'analysis', 'eval_results.py')
STACK = osp.join(FIXTURE, expected()['stack']['yaml'])
TRACKERS = sorted({t for exps in expected()['vot_toolkit'].values()
                   for t in exps})


def _load_tool():
    module = import_script(TOOL)
    return module


def _argv(results_root, out, *extra):
    return ['--dataset', 'vot', '--data-root', SEQUENCES, '--stack', STACK,
            '--results', *[osp.join(results_root, t) for t in TRACKERS],
            '--out', str(out), *extra]


def _check_report(report):
    exp_all = expected()['vot_toolkit']
    assert set(report['experiments']) == set(exp_all)
    for experiment, trackers in exp_all.items():
        got = report['experiments'][experiment]['trackers']
        assert set(got) == set(trackers)
        for trk, exp in trackers.items():
            diffs = {}
            compare(exp, got[trk], f'{experiment}/{trk}', diffs)
            assert len(diffs) == leaf_count(exp)


def test_eval_results_reports_the_toolkit_numbers(tmp_path):
    out = tmp_path / 'vot.json'
    proc = run_tool([TOOL] + _argv(RESULTS, out), timeout=300,
                    env=dict(os.environ, PYTHONPATH=REPO))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    _check_report(report)
    for name, entry in expected()['stack']['eao_intervals'].items():
        assert report['experiments'][name]['eao_interval'] == \
            [entry['low'], entry['high']]
        assert f"experiment '{name}'" in proc.stdout
    assert '[vot-multistart]' in proc.stdout
    assert '[vot-supervised]' in proc.stdout


def test_binary_result_folders_give_the_same_numbers(tmp_path):
    """The runs rewritten in the toolkit's binary format (text removed)."""
    root = tmp_path / 'results'
    shutil.copytree(RESULTS, root)
    for folder, _, files in os.walk(root):
        for f in files:
            if f.endswith('.txt'):
                path = osp.join(folder, f)
                vot_io.write_trajectory(path[:-4] + '.bin',
                                        vot_io.read_trajectory(path))
                os.remove(path)
    out = tmp_path / 'vot.json'
    assert _load_tool().main(_argv(str(root), out)) == 0
    _check_report(json.loads(out.read_text()))


def test_auto_interval_and_mmtracking_variant(tmp_path):
    """'auto' re-estimates the fixture's intervals (made by that rule), so
    the EAO is the toolkit's; the mmtracking variant equals the functional
    layer's."""
    tool = _load_tool()
    out = tmp_path / 'auto.json'
    assert tool.main(_argv(RESULTS, out, '--eao-interval', 'auto',
                           '--experiment', 'supervised', 'baseline')) == 0
    report = json.loads(out.read_text())
    for name in ('supervised', 'baseline'):
        for trk in TRACKERS:
            assert report['experiments'][name]['trackers'][trk]['eao'] == \
                pytest.approx(expected()['vot_toolkit'][name][trk]['eao'],
                              abs=1e-6)
    out = tmp_path / 'mm.json'
    assert tool.main(_argv(RESULTS, out, '--variant', 'mmtracking',
                           '--experiment', 'supervised')) == 0
    got = json.loads(out.read_text())['experiments']['supervised']
    eao = one_analysis('supervised', 'supervised.EAOScore')
    for trk in TRACKERS:
        ref = evaluate_supervised(sequences(), runs(trk, 'supervised'),
                                  eao['low'], eao['high'],
                                  variant='mmtracking')
        for key in ('eao', 'accuracy', 'robustness', 'num_fails'):
            assert got['trackers'][trk][key] == pytest.approx(ref[key],
                                                              abs=1e-12)


def test_bad_vot_input_exits_with_one_error_line(tmp_path, capsys):
    tool = _load_tool()
    assert tool.main(_argv(RESULTS, tmp_path / 'x.json', '--experiment',
                           'realtime')) == 1
    assert "no experiment 'realtime'" in capsys.readouterr().err
    assert tool.main(['--dataset', 'vot', '--data-root', SEQUENCES,
                      '--stack', 'vot2018', '--results',
                      osp.join(RESULTS, TRACKERS[0])]) == 1
    # vot2018's 'baseline' is supervised: the fixture's 'baseline' folder
    # holds anchor runs, no <seq>_NNN runs
    err = capsys.readouterr().err
    assert err.startswith('error:') and 'baseline' in err and '_NNN' in err
    assert tool.main(_argv(RESULTS, tmp_path / 'x.json', '--eao-interval',
                           'wide')) == 1
    assert 'LOW,HIGH' in capsys.readouterr().err


def _samples(tracker, experiment, kind):
    """What VOTTestLoop hands VOTMetric, read from the fixture folder."""
    folder = osp.join(RESULTS, tracker, experiment)
    out = []
    for i, rec in enumerate(records()):
        anchors = rec.values.get('anchor')
        if kind == 'multistart':
            frames = [int(a) for a in anchors.nonzero()[0]]
            got = vot_io.read_anchor_runs(folder, rec.name, frames)
        else:
            got = vot_io.read_runs(folder, rec.name)
        out.append(dict(video_name=rec.name, video_index=i,
                        groundtruth=rec.groundtruth,
                        image_size=(rec.width, rec.height), anchors=anchors,
                        runs=got, values={}))
    return out


@pytest.mark.parametrize('experiment', list(expected()['vot_toolkit']))
def test_metric_class_reports_the_toolkit_numbers(experiment):
    for tracker, exp in expected()['vot_toolkit'][experiment].items():
        metric = VOTMetric(stack=STACK, experiment=experiment)
        samples = _samples(tracker, experiment, metric.experiment.kind)
        metric.process(None, samples[::-1])  # any order: dataset order wins
        got = metric.compute_metrics(metric.results)
        scalars = {k: v for k, v in exp.items()
                   if isinstance(v, (int, float))}
        assert scalars and set(scalars) <= set(got)
        compare(scalars, got, f'{experiment}/{tracker}', {})


def test_metric_settings_are_checked():
    with pytest.raises(ValueError, match='does not fit'):
        VOTMetric(stack=STACK, experiment='supervised',
                  protocol='vot-multistart')
    with pytest.raises(ValueError, match='stack or a protocol'):
        VOTMetric()
    with pytest.raises(ValueError, match='supervised experiment only'):
        VOTMetric(stack='vot2020', variant='mmtracking')
    metric = VOTMetric(protocol='vot-supervised')
    assert metric.experiment.kind == 'supervised'
    assert metric.eao_interval == 'auto' and metric.protocol == \
        'vot-supervised'
    assert VOTMetric(stack='votlt2020').protocol == 'vot-longterm'
    with pytest.raises(KeyError, match='runs'):
        VOTMetric(stack='vot2018').process(None, [dict(video_name='a')])


def test_unsupported_experiment_folders_are_skipped(tmp_path, capsys):
    """A VOT-LT workspace: 'longterm' is analysed (confidences absent: 0),
    'redetection' (sequence transformer) is named and skipped."""
    stack = tmp_path / 'stack.yaml'
    stack.write_text(
        'experiments:\n'
        '  longterm:\n    type: unsupervised\n    analyses:\n'
        '      - type: average_tpr\n'
        '  redetection:\n    type: unsupervised\n    transformers:\n'
        '      - type: redetection\n        length: 200\n')
    tracker = tmp_path / TRACKERS[0]
    for name in ('longterm', 'redetection'):
        shutil.copytree(osp.join(RESULTS, TRACKERS[0], 'unsupervised'),
                        tracker / name)
    out = tmp_path / 'lt.json'
    assert _load_tool().main(['--dataset', 'vot', '--data-root', SEQUENCES,
                              '--stack', str(stack), '--results',
                              str(tracker), '--out', str(out)]) == 0
    report = json.loads(out.read_text())
    assert list(report['experiments']) == ['longterm']
    assert 'redetection' in report['skipped']
    assert 'transforms its sequences' in capsys.readouterr().err
    got = report['experiments']['longterm']['trackers'][TRACKERS[0]]
    assert all(0 < got[k] <= 1 for k in ('precision', 'recall', 'f_score'))
