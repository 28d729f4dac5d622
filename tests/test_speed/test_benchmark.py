"""Smoke test of tools/analysis/benchmark.py (no timing assertions)."""
import importlib.util
import json
import os.path as osp

import pytest

from .conftest import TINY

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool():
    spec = importlib.util.spec_from_file_location(
        'benchmark_tool', osp.join(ROOT, 'tools', 'analysis', 'benchmark.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_writes_json(tmp_path, capsys):
    backends = ['torch', 'torch-bf16']
    try:
        import onnxruntime  # noqa: F401
        backends.append('onnxruntime')
    except ImportError:
        pass
    out = str(tmp_path / 'bench.json')
    rc = _tool().main([TINY, '--frames', '3', '--warmup', '1', '--repeats',
                       '2', '--targets', '2', '--threads', '1', '--backend',
                       *backends, '--json', out])
    assert rc == 0
    with open(out) as f:
        report = json.load(f)
    assert set(report) == {'env', 'settings', 'results', 'multi_target'}
    env = report['env']
    assert {'torch', 'threads', 'device', 'cpu'} <= set(env)
    assert env['threads'] == 1
    assert list(report['results']) == ['naive'] + backends
    for name, r in report['results'].items():
        for key in ('init', 'step'):
            assert {'median_ms', 'p90_ms', 'fps'} <= set(r[key])
            assert r[key]['median_ms'] > 0
        assert r['step']['n'] == 3
        assert r['peak_mem_mb'] > 0 and r['speedup_vs_naive'] > 0
        assert 'preprocess' in r['parts'] and 'postprocess' in r['parts']
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
    text = capsys.readouterr().out
    assert '| naive |' in text and 'speed-up' in text


def test_benchmark_rejects_bad_arguments(capsys):
    assert _tool().main([TINY, '--frames', '1']) == 2
    with pytest.raises(SystemExit):
        _tool().main([TINY, '--backend', 'tensorrt'])
