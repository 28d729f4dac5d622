"""The bundled default model and clip; ``demo_sot.py`` with no arguments,
with official checkpoints as they are, and its checkpoint errors."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from stark_plugin.apis import init_model, model_zoo
from stark_plugin.apis.video import track_video
from stark_plugin.evaluation.functional.boxes import iou_got10k
from stark_plugin.evaluation.functional.curves import auc_mean, success_curve

from .utils import REPO, TINY, read_txt, run_demo_subprocess

SHIPPED_CONFIG = osp.join(REPO, 'configs', 'sot', 'stark',
                          'stark_st2_tiny_synth.py')


def _clip_frames():
    cap = cv2.VideoCapture(model_zoo.SAMPLE_CLIP)
    frames = []
    ok, frame = cap.read()
    while ok:
        frames.append(frame)
        ok, frame = cap.read()
    cap.release()
    return frames


def _clip_gt() -> np.ndarray:
    path = osp.join(model_zoo.ASSETS, 'sample_clip_groundtruth.txt')
    return np.loadtxt(path, delimiter=',', ndmin=2)


def _success_auc(pred: np.ndarray, gt: np.ndarray) -> float:
    seen = gt[:, 2] > 0  # frames where the target is in view
    return auc_mean(success_curve(iou_got10k(pred[seen], gt[seen])))


def test_bundled_files_are_there_and_small():
    for path in (model_zoo.DEFAULT_CHECKPOINT, model_zoo.SAMPLE_CLIP,
                 model_zoo.SAMPLE_CLIP_BOX):
        assert osp.isfile(path), path
    total = sum(osp.getsize(osp.join(model_zoo.ASSETS, f))
                for f in os.listdir(model_zoo.ASSETS))
    assert total < 5e6
    clip, box = model_zoo.sample_clip()
    gt = _clip_gt()
    assert len(_clip_frames()) == len(gt)
    np.testing.assert_allclose(box, gt[0], atol=0.01)


def test_bundled_model_matches_its_config_and_loads_strictly():
    ckpt = torch.load(model_zoo.DEFAULT_CHECKPOINT, map_location='cpu',
                      weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}  # no optimizer state
    stored = Config.fromstring(ckpt['meta']['cfg'], file_format='.py')
    shipped = Config.fromfile(SHIPPED_CONFIG)
    assert stored.model.to_dict() == shipped.model.to_dict()
    model = init_model(SHIPPED_CONFIG, model_zoo.DEFAULT_CHECKPOINT)
    own = model.state_dict()
    assert set(own) == set(ckpt['state_dict'])
    assert all(torch.equal(own[k], v) for k, v in ckpt['state_dict'].items())


@pytest.mark.slow
def test_bundled_model_tracks_the_clip_above_the_static_baseline():
    torch.set_num_threads(1)
    model = init_model(None, model_zoo.DEFAULT_CHECKPOINT)  # config inside
    clip, box = model_zoo.sample_clip()
    pred = np.array([r['boxes'][0] for r in track_video(model, clip, box)])
    gt = _clip_gt()
    assert pred.shape == gt.shape
    static = np.repeat(gt[:1], len(gt), 0)
    tracked_auc, static_auc = _success_auc(pred, gt), _success_auc(static, gt)
    assert tracked_auc > static_auc + 0.05, (tracked_auc, static_auc)


@pytest.mark.slow
def test_demo_without_arguments(tmp_path):
    proc = run_demo_subprocess(cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    out, txt = tmp_path / 'demo_out.mp4', tmp_path / 'demo_out.txt'
    assert f'wrote {out}' in proc.stdout and f'wrote {txt}' in proc.stdout
    assert 'default model' in proc.stdout
    rows = read_txt(str(txt))
    source = _clip_frames()
    assert [r[:2] for r in rows] == [[i, 0] for i in range(len(source))]
    cap = cv2.VideoCapture(str(out))
    drawn = []
    for row, frame in zip(rows, source):
        ok, vis = cap.read()
        assert ok
        # the box outline is drawn: the pixels on it changed
        x, y, w, h = (int(round(v)) for v in row[2:6])
        H, W = frame.shape[:2]
        xs = np.clip(np.arange(x, x + w), 0, W - 1)
        top = np.clip(y, 0, H - 1)
        diff = np.abs(vis[top, xs].astype(int) - frame[top, xs].astype(int))
        drawn.append(diff.mean() > 30)
    assert not cap.read()[0]
    cap.release()
    assert all(drawn), [i for i, d in enumerate(drawn) if not d]


@pytest.mark.slow
def test_demo_with_an_official_checkpoint_as_it_is(parity, tmp_path,
                                                   demo_main, one_thread):
    frames = parity.frames_bgr()[:4]
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f'{i:04d}.png'), frame)
    with open(osp.join(REPO, 'tests', 'data', 'reference', 'sequence',
                       'init_bbox.txt')) as f:
        box = f.read().replace(',', ' ').split()
    results = {}
    for kind in ('official', 'converted'):
        ckpt = getattr(parity, f'{kind}_checkpoint')('st50')
        txt = tmp_path / f'{kind}.txt'
        assert demo_main([str(folder), '--checkpoint', ckpt, '--bbox', *box,
                          '--out-txt', str(txt)]) == 0
        results[kind] = read_txt(str(txt))
    assert len(results['official']) == len(frames)
    assert results['official'] == results['converted']


@pytest.mark.parametrize('case', ['unknown format', 'other model',
                                  'random and checkpoint'])
def test_checkpoint_errors_leave_nothing(case, demo_main, tmp_path, capsys,
                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    if case == 'unknown format':
        ckpt = tmp_path / 'weights.pth'
        torch.save({'conv1.weight': torch.zeros(1)}, str(ckpt))
        args = ['--checkpoint', str(ckpt)]
        expected = f'error: {ckpt}: not a STARK checkpoint of a known format'
    elif case == 'other model':
        args = ['--config', TINY, '--checkpoint',
                model_zoo.DEFAULT_CHECKPOINT]
        expected = f'error: {model_zoo.DEFAULT_CHECKPOINT}'
    else:
        args = ['--config', TINY, '--random-weights', '--checkpoint',
                model_zoo.DEFAULT_CHECKPOINT]
        expected = ('error: --random-weights and --checkpoint exclude each '
                    'other')
    before = sorted(os.listdir(tmp_path))
    capsys.readouterr()
    assert demo_main(args) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if 'error' in line.lower()]
    assert len(errors) == 1 and errors[0].startswith(expected), err
    assert 'Traceback' not in err
    assert sorted(os.listdir(tmp_path)) == before  # no demo_out.*
