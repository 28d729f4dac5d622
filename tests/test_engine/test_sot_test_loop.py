"""tools/test.py end to end: raw results, metrics, resume, submissions."""
import glob
import json
import os
import os.path as osp

import pytest
import torch
from stark_plugin.testing.tool_process import run_tool

from stark_plugin.apis import init_model
from stark_plugin.datasets.synthetic import make_synthetic_got10k
from stark_plugin.evaluation.evaluate import evaluate_results_dir

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'tests', 'data', 'configs',
                  'stark_st_tiny_got10k_val.py')
NUM_VAL, NUM_FRAMES = 3, 12


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('sot_test')
    data = str(root / 'data')
    names = make_synthetic_got10k(
        data, num_videos=1, num_frames=NUM_FRAMES, seed=3,
        num_val_videos=NUM_VAL, size=(160, 120))['val']
    torch.manual_seed(0)
    model = init_model(CONFIG)
    ckpt = str(root / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=1)), ckpt)
    return dict(root=root, data=data, names=names, ckpt=ckpt)


def run_test(setup, work_dir, *extra, checkpoint=None):
    cmd = [
        osp.join(REPO, 'tools', 'test.py'), CONFIG,
        checkpoint or setup['ckpt'], '--work-dir', str(work_dir),
        '--cfg-options', f'test_dataloader.dataset.data_root={setup["data"]}',
        *extra
    ]
    return run_tool(cmd, timeout=600, env=dict(os.environ, PYTHONPATH=REPO))


def metrics_of(work_dir):
    """The metrics mmengine logged at the end of the last test run."""
    files = sorted(glob.glob(osp.join(str(work_dir), '*', '*.json')))
    with open(files[-1]) as f:
        return json.loads(f.readlines()[-1])


def test_tracks_every_video_and_reports_metrics(setup, tmp_path):
    proc = run_test(setup, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'got10k' in log  # the protocol is printed next to the numbers
    for name in setup['names']:
        with open(tmp_path / 'results' / f'{name}.txt') as f:
            rows = [line.split(',') for line in f.read().splitlines()]
        assert len(rows) == NUM_FRAMES and all(len(r) == 4 for r in rows)
        with open(tmp_path / 'results' / f'{name}_time.txt') as f:
            assert len(f.read().splitlines()) == NUM_FRAMES
    metrics = metrics_of(tmp_path)
    assert 0.0 <= metrics['sot/ao'] <= 100.0
    first = metrics['sot/ao']
    # The same numbers as scoring the written raw results offline with the
    # dataset's own annotations (cover labels, image size): the loop hands
    # the metric everything the GOT-10k protocol uses.
    offline = evaluate_results_dir('got10k', setup['data'],
                                   str(tmp_path / 'results'),
                                   protocol='got10k', split='val')
    for key in ('ao', 'sr_0.5', 'sr_0.75'):
        assert metrics[f'sot/{key}'] == pytest.approx(
            offline.metrics[key], abs=1e-9), key

    # Rerun: nothing is tracked again, the metrics are identical.
    stamps = {p: os.stat(p).st_mtime_ns
              for p in glob.glob(str(tmp_path / 'results' / '*'))}
    os.remove(tmp_path / 'results' / f'{setup["names"][1]}.txt')
    proc = run_test(setup, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for path, stamp in stamps.items():
        if setup['names'][1] not in path:
            assert os.stat(path).st_mtime_ns == stamp, path
    assert osp.isfile(tmp_path / 'results' / f'{setup["names"][1]}.txt')
    assert metrics_of(tmp_path)['sot/ao'] == pytest.approx(first, abs=1e-9)


def test_format_only_writes_got10k_submission(setup, tmp_path):
    proc = run_test(setup, tmp_path, '--format-only')
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in setup['names']:
        sub = tmp_path / 'submission' / name
        with open(sub / f'{name}_001.txt') as f:
            assert len(f.read().splitlines()) == NUM_FRAMES
        with open(sub / f'{name}_time.txt') as f:
            times = [float(t) for t in f.read().split()]
        assert len(times) == NUM_FRAMES and all(t > 0 for t in times)
    assert osp.isfile(tmp_path / 'submission.zip')


def test_wrong_checkpoint_fails_clearly(setup, tmp_path):
    bad = str(tmp_path / 'bad.pth')
    torch.save(dict(state_dict={'backbone.not_a_layer': torch.zeros(1)}),
               bad)
    proc = run_test(setup, tmp_path, checkpoint=bad)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error:') and 'bad.pth' in last
    assert 'missing' in last and 'not_a_layer' in last
    missing = run_test(setup, tmp_path, checkpoint=str(tmp_path / 'no.pth'))
    assert missing.returncode != 0 and 'no.pth' in missing.stderr


def test_metric_sample_carries_cover_and_image_size(tmp_path):
    """SOTMetric gets GOT-10k cover labels and the frame size (the toolkit
    clips boxes to the image); a reused raw result has no size, so it is
    read from the first frame."""
    import cv2
    import numpy as np

    from stark_plugin.engine import SOTTestLoop
    frame = str(tmp_path / '00000001.jpg')
    cv2.imwrite(frame, np.zeros((90, 130, 3), np.uint8))
    gt = np.array([[10, 10, 20, 20], [120, 80, 30, 30]], np.float32)
    video = dict(video_name='v', img_paths=[frame, frame], gt_bboxes=gt,
                 visible=np.array([True, True]),
                 metainfo=dict(cover=np.array([8, 0])))
    pred = dict(pred_bboxes=gt.copy(), times=[0.1, 0.1])
    fresh = SOTTestLoop._metric_sample(video, dict(pred, img_shape=(90, 130)))
    reused = SOTTestLoop._metric_sample(video, pred)
    for sample in (fresh, reused):
        assert sample['img_shape'] == (90, 130)
        np.testing.assert_array_equal(sample['cover'], [8, 0])
        np.testing.assert_array_equal(sample['visible'], [True, True])
        assert sample['video_name'] == 'v' and 'times' in sample
    assert 'img_shape' in fresh and set(fresh) == set(reused)
    # without cover labels (not GOT-10k) the key is absent, not None
    video['metainfo'] = {}
    assert 'cover' not in SOTTestLoop._metric_sample(video, pred)
