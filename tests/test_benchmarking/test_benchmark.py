"""Smoke test of tools/analysis/benchmark.py (no timing assertions)."""
import importlib
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from tiny_models import TINY
from stark_plugin.testing.scripts import import_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool():
    module = import_script(osp.join(ROOT, 'tools', 'analysis', 'benchmark.py'))
    return module


@pytest.mark.slow
def test_benchmark_writes_json(tmp_path, capsys):
    backends = ['torch', 'torch-bf16']
    try:
        import onnxruntime  # noqa: F401
        backends += ['onnxruntime', 'onnxruntime-int8']
    except ImportError:
        pass
    out = str(tmp_path / 'bench.json')
    rc = _tool().main([TINY, '--frames', '3', '--warmup', '1', '--repeats',
                       '2', '--targets', '2', '--threads', '1', '--sequence',
                       'rich', '--frame-size', '240', '320', '--backend',
                       *backends, '--calib-frames', '2', '--json', out])
    assert rc == 0
    with open(out) as f:
        report = json.load(f)
    assert set(report) == {'env', 'settings', 'results', 'multi_target',
                           'roofline', 'drift_control'}
    env = report['env']
    assert {'torch', 'threads', 'device', 'cpu', 'openmp_wait'} <= set(env)
    assert env['threads'] == 1
    assert report['settings']['sequence'] == 'rich'
    assert report['settings']['frame_size'] == [240, 320]
    assert list(report['results']) == ['naive'] + backends
    for name, r in report['results'].items():
        for key in ('init', 'step'):
            assert {'median_ms', 'p90_ms', 'fps'} <= set(r[key])
            assert r[key]['median_ms'] > 0
        assert r['step']['n'] == 3
        assert r['peak_mem_mb'] > 0 and r['speedup_vs_naive'] > 0
        assert 'preprocess' in r['parts'] and 'postprocess' in r['parts']
        assert 0.0 <= r['iou_to_truth'] <= 1.0
    assert {'backbone', 'transformer', 'heads'} <= set(
        report['results']['torch']['parts'])
    assert 'template_branch' in report['results']['naive']['parts']
    drift = report['results']['torch-bf16']['drift_vs_fp32']
    assert 0.0 <= drift['mean_iou'] <= 1.0 and drift['reference'] == 'torch'
    assert 0.0 <= drift['open_loop']['mean_iou'] <= 1.0
    # fp32 fast path vs naive: the same boxes
    assert report['results']['naive']['drift_vs_fp32']['mean_iou'] > 0.999
    assert set(report['multi_target']) == set(backends)
    assert report['multi_target']['torch']['targets'] == 2
    assert report['multi_target']['torch']['ratio_vs_single'] > 0
    assert report['multi_target']['torch']['init_ms'] > 0
    assert report['multi_target']['torch']['single_step_ms'] > 0
    # roofline: probe, counted FLOPs (naive reruns the template branch)
    roof = report['roofline']
    assert {'fp32_matmul', 'bf16_matmul', 'conv3x3_fp32'} <= set(
        roof['probe'])
    assert all(roof['probe'][k] > 0 for k in ('fp32', 'bf16'))
    assert roof['probe']['threads'] == 1
    gflop = roof['gflop']
    assert gflop['network'] == pytest.approx(
        gflop['backbone'] + gflop['transformer'] + gflop['heads'])
    assert gflop['naive_step'] > gflop['step'] > gflop['transformer'] > 0
    torch_parts = report['results']['torch']['parts']
    assert torch_parts['backbone']['gflop'] == gflop['backbone']
    assert torch_parts['transformer']['peak_fraction'] > 0
    assert 'gflop' not in torch_parts['preprocess']
    for name, r in report['results'].items():
        assert r['step']['gflops'] > 0, name
    if 'onnxruntime' in backends:
        assert report['results']['onnxruntime']['parts']['network'][
            'gflop'] == pytest.approx(gflop['network'])
    control = report['drift_control']
    assert control['reference'] == 'torch' and control['shift_px'] == 0.1
    assert 0.0 <= control['min_iou'] <= control['mean_iou'] <= 1.0
    text = capsys.readouterr().out
    assert '| naive |' in text and 'speed-up' in text
    assert 'drift control: torch started from the first box moved by' in text
    assert 'roofline: peak probe' in text and '% of peak' in text


def test_drift_study(tmp_path, capsys):
    """--drift-videos: per-video and mean drift, the control, no timing."""
    backends = ['torch-bf16']
    try:
        import onnxruntime  # noqa: F401
        backends.append('onnxruntime')
    except ImportError:
        pass
    out = str(tmp_path / 'drift.json')
    rc = _tool().main([TINY, '--frames', '5', '--threads', '1',
                       '--sequence', 'basic', '--frame-size', '240', '320',
                       '--drift-videos', '2', '--drift-seed', '3',
                       '--backend', 'torch', *backends, '--json', out])
    assert rc == 0
    with open(out) as f:
        report = json.load(f)
    assert set(report) == {'settings', 'videos', 'mean'}
    assert report['settings']['backends'] == backends  # fp32 is the ref
    assert [v['seed'] for v in report['videos']] == [3, 4]
    for video in report['videos']:
        assert set(video['closed']) == set(video['open']) == set(backends)
        assert set(video['truth']) == {'torch', *backends}
        assert 0.0 <= video['control'] <= 1.0
        for key in ('closed', 'open', 'truth'):
            assert all(0.0 <= v <= 1.0 for v in video[key].values())
    mean = report['mean']
    assert mean['closed']['torch-bf16'] == pytest.approx(
        sum(v['closed']['torch-bf16'] for v in report['videos']) / 2)
    if 'onnxruntime' in backends:  # fp32 graphs: the fp32 trajectory
        assert mean['closed']['onnxruntime'] > 0.999
        assert mean['open']['onnxruntime'] > 0.999
    text = capsys.readouterr().out
    assert "over 2 generated 'basic' videos (seeds 3-4" in text
    assert '(control) |' in text and '| torch-bf16 |' in text


def test_closed_loop_control_is_the_tracker_itself(tiny):
    """Moved by 0 px the control repeats the reference run exactly; moved
    by a few pixels it is a different trajectory."""
    from stark_plugin.apis import SOTInferencer
    from stark_plugin.benchmarking import (closed_loop_control,
                                           lissajous_sequence, run_sequence)
    frames, boxes = lissajous_sequence(6, 240, 320, seed=1)
    ref = SOTInferencer(tiny)
    device = next(tiny.parameters()).device
    ref_boxes = run_sequence(ref, frames, [boxes[0]], device)['boxes']
    same = closed_loop_control(ref, frames, boxes[0], ref_boxes, device, 0.0)
    assert same['mean_iou'] == same['min_iou'] == 1.0
    moved = closed_loop_control(ref, frames, boxes[0], ref_boxes, device,
                                8.0)
    assert moved['shift_px'] == 8.0 and moved['min_iou'] < 1.0


def test_interleaved_blocks_track_like_single_runs(tiny):
    """Interleaving paths in blocks (a short last block included) changes
    only the timing, not what each path tracks."""
    from stark_plugin.apis import SOTInferencer
    from stark_plugin.benchmarking import (lissajous_sequence,
                                           run_interleaved, run_paired,
                                           run_sequence)
    frames, boxes = lissajous_sequence(6, 240, 320, seed=3)
    device = next(tiny.parameters()).device
    infs = dict(naive=SOTInferencer(tiny, cache_templates=False, fast=False),
                torch=SOTInferencer(tiny))
    runs = run_interleaved(infs, frames, [boxes[0]], device, block=2)
    for name, inf in infs.items():
        alone = run_sequence(inf, frames, [boxes[0]], device)
        assert len(runs[name]['times']) == len(frames) - 1
        np.testing.assert_array_equal(runs[name]['boxes'], alone['boxes'])
        np.testing.assert_array_equal(runs[name]['scores'], alone['scores'])
    pair = run_paired(infs['torch'], SOTInferencer(tiny), frames, boxes[0],
                      [boxes[0], [10.0, 10.0, 40.0, 30.0]], device, block=2)
    assert len(pair['single_times']) == len(pair['multi_times']) == 5
    assert pair['init_s'] > 0


def test_benchmark_rejects_bad_arguments(capsys):
    assert _tool().main([TINY, '--frames', '1']) == 2
    assert _tool().main([TINY, '--control-shift', '-1']) == 2
    assert _tool().main([TINY, '--drift-videos', '0']) == 2
    assert _tool().main([TINY, '--frame-size', '32', '640']) == 2
    with pytest.raises(SystemExit):
        _tool().main([TINY, '--sequence', 'random'])
    with pytest.raises(SystemExit):
        _tool().main([TINY, '--backend', 'tensorrt'])


def test_background_load_and_ort_spinning_reach_the_run(tmp_path, capsys,
                                                        monkeypatch):
    """--background-load N runs N busy processes beside the run and is
    recorded; --ort-spinning reaches the ONNX Runtime inferencers."""
    # the module (the package's ``benchmark`` is the function)
    bench_module = importlib.import_module(
        'stark_plugin.benchmarking.benchmark')
    loads, made = [], []
    real_load, real_inferencer = (bench_module.busy_processes,
                                  bench_module.SOTInferencer)

    def recording_load(n):
        loads.append(n)
        return real_load(n)

    def recording_inferencer(model, **kwargs):
        made.append(kwargs)
        return real_inferencer(model, **kwargs)

    monkeypatch.setattr(bench_module, 'busy_processes', recording_load)
    monkeypatch.setattr(bench_module, 'SOTInferencer', recording_inferencer)
    # recorded as set (the OpenMP runtime read it when torch loaded)
    monkeypatch.setenv('OMP_WAIT_POLICY', 'PASSIVE')
    backends = ['torch']
    try:
        import onnxruntime  # noqa: F401
        backends.append('onnxruntime')
    except ImportError:
        pass
    out = str(tmp_path / 'bench.json')
    rc = _tool().main([TINY, '--frames', '2', '--warmup', '1', '--repeats',
                       '1', '--threads', '1', '--frame-size', '96', '128',
                       '--no-naive', '--no-roofline', '--control-shift', '0',
                       '--backend', *backends, '--background-load', '1',
                       '--ort-spinning', '--json', out])
    assert rc == 0
    assert loads == [1]
    with open(out) as f:
        report = json.load(f)
    settings = report['settings']
    assert report['env']['openmp_wait'] == 'OMP_WAIT_POLICY=PASSIVE'
    assert settings['background_load'] == 1
    assert settings['ort_spinning'] is True
    if 'onnxruntime' in backends:
        onnx = [k for k in made if k.get('backend') == 'onnxruntime']
        assert onnx and all(k['ort_spinning'] is True for k in onnx)
    text = capsys.readouterr().out
    assert 'background load 1 busy process |' in text
    assert 'onnxruntime spinning on' in text
    assert 'OpenMP wait OMP_WAIT_POLICY=PASSIVE |' in text


def test_background_load_arguments_are_checked():
    assert _tool().main([TINY, '--background-load', '-1']) == 2
    assert _tool().main([TINY, '--drift-videos', '1',
                         '--background-load', '1']) == 2
    args = _tool().parse_args([TINY])
    assert args.background_load == 0 and args.ort_spinning is False
