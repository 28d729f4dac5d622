"""tools/analysis/eval_results.py end to end on the copied fixture."""
import json
import math
import os
import os.path as osp

import pytest
from stark_plugin.testing.scripts import import_script
from stark_plugin.testing.tool_process import run_tool

from ._fixture import (DATA, DATASETS, METHOD_TO_PROTOCOL, assert_matches,
                       expected, is_toolkit_failure, tolerance)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'analysis', 'eval_results.py')
DEFAULT_METHOD = {
    'LaSOT': 'stark.extract_results/exclude_invalid_frames=False',
    'GOT10k': 'got10k.ExperimentGOT10k',
    'TrackingNet': 'trackingnet_devkit.metrics',
    'OTB100': 'got10k.ExperimentOTB',
}
TRACKERS = ('trk_good', 'trk_drift', 'trk_invalid')


def _load_tool():
    module = import_script(TOOL)
    return module


def _argv(ds_key, out, plot_dir=None, extra=()):
    name, folder, split = DATASETS[ds_key]
    sub = 'GOT10k_submission' if ds_key == 'GOT10k' else ds_key
    argv = ['--dataset', name, '--data-root', f'{DATA}/{folder}',
            '--results'] + [f'{DATA}/results/{sub}/{t}' for t in TRACKERS]
    argv += ['--out', str(out)] + (['--split', split] if split else [])
    if plot_dir:
        argv += ['--plot-dir', str(plot_dir)]
    return argv + list(extra)


def _check(report, ds_key, skip_failures):
    method = DEFAULT_METHOD[ds_key]
    protocol = METHOD_TO_PROTOCOL[method]
    assert report['protocol'] == protocol
    assert report['dataset'] == DATASETS[ds_key][0]
    assert sorted(report['trackers']) == sorted(TRACKERS)
    for trk, exp in expected()['results'][ds_key][method].items():
        got = report['trackers'][trk]
        assert_matches(exp, got, tolerance(protocol), trk, skip_failures)
        for seq, values in (exp.get('per_sequence') or {}).items():
            assert_matches(values, got['per_sequence'][seq],
                           tolerance(protocol), seq, skip_failures)


@pytest.mark.parametrize('ds_key', sorted(DEFAULT_METHOD))
def test_default_protocol_json_and_plots(tmp_path, ds_key):
    out = tmp_path / 'metrics.json'
    proc = run_tool(
        [TOOL] + _argv(ds_key, out, tmp_path / 'plots'), cwd=str(tmp_path),
        timeout=120, env=dict(os.environ, PYTHONPATH=REPO))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    _check(report, ds_key, skip_failures=True)
    # where the toolkit fails, the default run still gives finite numbers
    method = DEFAULT_METHOD[ds_key]
    for trk, exp in expected()['results'][ds_key][method].items():
        if any(is_toolkit_failure(v) for v in exp.values()):
            got = report['trackers'][trk]
            assert 'error' not in got
            assert all(math.isfinite(v) for v in got.values()
                       if isinstance(v, float))
            assert "video" in proc.stderr and 'frame' in proc.stderr
    protocol = report['protocol']
    assert f'[{protocol}]' in proc.stdout
    assert 'trk_drift' in proc.stdout
    pngs = sorted((tmp_path / 'plots').glob('*.png'))
    kinds = {p.name.split('_', 1)[1] for p in pngs}
    assert 'success.png' in kinds
    if ds_key != 'GOT10k':
        assert 'precision.png' in kinds
    for p in pngs:
        assert p.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


@pytest.mark.parametrize('ds_key', ['LaSOT', 'GOT10k'])
def test_toolkit_mode_reproduces_failures_too(tmp_path, ds_key):
    eval_results = _load_tool()
    out = tmp_path / 'm.json'
    assert eval_results.main(
        _argv(ds_key, out, extra=['--on-invalid', 'toolkit'])) == 0
    _check(json.loads(out.read_text()), ds_key, skip_failures=False)


def test_bad_input_exits_non_zero(tmp_path, capsys):
    eval_results = _load_tool()
    rc = eval_results.main(['--dataset', 'lasot', '--data-root',
                            str(tmp_path / 'nope'), '--results',
                            str(tmp_path)])
    assert rc != 0
    assert 'not found' in capsys.readouterr().err
    rc = eval_results.main(['--dataset', 'lasot', '--data-root',
                            f'{DATA}/LaSOT', '--results',
                            str(tmp_path / 'missing_tracker')])
    assert rc != 0
    assert 'missing_tracker' in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        eval_results.main(['--dataset', 'vot', '--data-root', '.',
                           '--results', '.'])
    assert exc.value.code != 0
