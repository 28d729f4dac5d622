"""SOTMetric through mmengine: process / evaluate, logging, submissions."""
import os
import zipfile

import numpy as np
import pytest

from stark_plugin.evaluation import load_benchmark
from stark_plugin.fileio.results import load_tracker_results
from stark_plugin.evaluation.functional import InvalidPredictionWarning
from stark_plugin.evaluation.metrics import sot_metric as sot_metric_module
from stark_plugin.registry import METRICS

from ._fixture import DATA, expected


def _videos(dataset, folder, split, results, **extra):
    annos = load_benchmark(dataset, f'{DATA}/{folder}', split)
    res = load_tracker_results(f'{DATA}/results/{results}',
                               [a.name for a in annos])
    out = []
    for a in annos:
        d = dict(video_name=a.name, pred_bboxes=res[a.name].pred_bboxes,
                 gt_bboxes=a.gt_bboxes)
        if a.visible is not None:
            d['visible'] = a.visible
        if a.image_size is not None:
            d['img_shape'] = (a.image_size[1], a.image_size[0])
        if res[a.name].frame_times is not None:
            d['frame_times'] = res[a.name].frame_times
        d.update(extra)
        out.append(d)
    return out[::-1]  # arrive in the wrong order, as after collection


def test_lasot_default_protocol_matches_expected(monkeypatch):
    logged = []
    monkeypatch.setattr(sot_metric_module, 'print_log',
                        lambda msg, *a, **k: logged.append(str(msg)))
    metric = METRICS.build(dict(type='SOTMetric', benchmark='lasot'))
    assert metric.protocol == 'pytracking'
    videos = _videos('lasot', 'LaSOT', 'test', 'LaSOT/trk_drift')
    metric.process({}, videos[:2])
    metric.process({}, videos[2:])
    out = metric.evaluate(len(videos))
    exp = expected()['results']['LaSOT'][
        'stark.extract_results/exclude_invalid_frames=False']['trk_drift']
    for key in ('success_auc', 'precision_20px', 'norm_precision_0.2',
                'op50', 'op75', 'avg_overlap'):
        assert out[f'sot/{key}'] == pytest.approx(exp[key], abs=1e-4)
    table = '\n'.join(logged)
    assert table.count('[pytracking]') == 6  # next to every number


def test_got10k_with_visible_and_img_shape_matches_toolkit():
    metric = METRICS.build(
        dict(type='SOTMetric', benchmark='got10k', prefix='val'))
    videos = _videos('got10k', 'GOT10k', 'val',
                     'GOT10k_submission/trk_drift')
    metric.process({}, videos)
    out = metric.evaluate(len(videos))
    exp = expected()['results']['GOT10k']['got10k.ExperimentGOT10k'][
        'trk_drift']
    for key in ('ao', 'sr_0.5', 'sr_0.75', 'speed_fps'):
        assert out[f'val/{key}'] == pytest.approx(exp[key], abs=1e-6)


def test_protocol_override_and_invalid_boxes_warn():
    metric = METRICS.build(
        dict(type='SOTMetric', benchmark='otb100',
             protocol='mmtracking_all_frames'))
    videos = _videos('otb100', 'OTB100', None, 'OTB100/trk_invalid')
    metric.process({}, videos)
    out = metric.evaluate(len(videos))
    exp = expected()['results']['OTB100'][
        'mmtracking.eval_sot_ope/all_frames']['trk_invalid']
    assert out['sot/success_auc'] == pytest.approx(exp['success_auc'],
                                                   abs=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match='unknown protocol'):
        METRICS.build(dict(type='SOTMetric', protocol='vot'))
    with pytest.raises(ValueError, match='unknown benchmark'):
        METRICS.build(dict(type='SOTMetric', benchmark='vot'))
    with pytest.raises(ValueError, match='test server'):
        METRICS.build(dict(type='SOTMetric', benchmark='lasot',
                           format_only=True, outfile_prefix='x'))


def _sub_videos(n_frames=(5, 7), times=True):
    rng = np.random.default_rng(0)
    out = []
    for i, n in enumerate(n_frames):
        boxes = rng.uniform(1, 50, size=(n, 4))
        d = dict(video_name=f'-vid{i}', pred_bboxes=boxes,
                 gt_bboxes=np.vstack([boxes[:1], np.full((n - 1, 4), np.nan)]))
        if times:
            d['frame_times'] = np.full(n, 0.02)
        out.append(d)
    return out


def test_got10k_submission(tmp_path):
    prefix = str(tmp_path / 'sub' / 'stark_got10k')
    metric = METRICS.build(dict(type='SOTMetric', benchmark='got10k',
                                format_only=True, outfile_prefix=prefix,
                                expected_num_videos=2))
    videos = _sub_videos()
    metric.process({}, videos)
    assert metric.evaluate(2) == {}
    with zipfile.ZipFile(prefix + '.zip') as zf:
        names = sorted(zf.namelist())
        assert names == ['-vid0/-vid0_001.txt', '-vid0/-vid0_time.txt',
                         '-vid1/-vid1_001.txt', '-vid1/-vid1_time.txt']
        rows = zf.read('-vid1/-vid1_001.txt').decode().splitlines()
        assert len(rows) == 7 and all(r.count(',') == 3 for r in rows)
        assert len(zf.read('-vid1/-vid1_time.txt').decode().split()) == 7
    np.testing.assert_allclose(
        np.loadtxt(f'{prefix}/-vid0/-vid0_001.txt', delimiter=','),
        videos[0]['pred_bboxes'], atol=1e-4)
    leftovers = [f for _, _, fs in os.walk(tmp_path) for f in fs
                 if f.startswith('.tmp_')]
    assert leftovers == []


def test_trackingnet_submission_and_nan_rows(tmp_path):
    prefix = str(tmp_path / 'tn')
    metric = METRICS.build(dict(type='SOTMetric', benchmark='trackingnet',
                                format_only=True, submission_dir=prefix))
    videos = _sub_videos(times=False)
    videos[0]['pred_bboxes'][3] = np.nan
    metric.process({}, videos)
    with pytest.warns(InvalidPredictionWarning, match="'-vid0'.*3"):
        metric.evaluate(2)
    with zipfile.ZipFile(prefix + '.zip') as zf:
        assert sorted(zf.namelist()) == ['-vid0.txt', '-vid1.txt']
        rows = zf.read('-vid0.txt').decode().splitlines()
    assert len(rows) == 5 and rows[3] == rows[2]


@pytest.mark.parametrize('case', ['count', 'length', 'times'])
def test_submission_counts_are_validated(tmp_path, case):
    prefix = str(tmp_path / 'bad')
    cfg = dict(type='SOTMetric', benchmark='got10k', format_only=True,
               outfile_prefix=prefix)
    videos = _sub_videos(times=case != 'times')
    if case == 'count':
        cfg['expected_num_videos'] = 3
    if case == 'length':
        videos[1]['gt_bboxes'] = np.ones((8, 4))  # video has 8 frames
    metric = METRICS.build(cfg)
    metric.process({}, videos)
    with pytest.raises(ValueError):
        metric.evaluate(2)
    assert not os.path.exists(prefix + '.zip')
