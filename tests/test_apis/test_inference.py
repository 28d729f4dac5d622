"""init_model and SOTInferencer on the tiny config (random weights)."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from stark_plugin.apis import SOTInferencer, init_model
from stark_plugin.errors import (CheckpointMismatchError,
                                 UnknownCheckpointFormatError,
                                 UnknownKeysError)
from stark_plugin.models.trackers import StarkTracker

TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO = osp.dirname(TESTS)
TINY = osp.join(TESTS, 'data', 'configs', 'stark_st_tiny.py')


def make_video(num=6, h=120, w=160, seed=0):
    """A textured background with a bright square moving right."""
    rng = np.random.default_rng(seed)
    bg = rng.integers(0, 120, (h, w, 3), dtype=np.uint8)
    bg = cv2.GaussianBlur(bg, (7, 7), 2)
    frames, boxes = [], []
    for t in range(num):
        f = bg.copy()
        x, y = 30 + 6 * t, 40 + 2 * t
        f[y:y + 24, x:x + 30] = (40, 200, 250)
        f[y + 6:y + 12, x + 8:x + 20] = (250, 30, 30)
        frames.append(f)
        boxes.append([x, y, 30, 24])
    return frames, boxes


@pytest.fixture(scope='module')
def tiny():
    torch.manual_seed(0)
    model = init_model(TINY)
    model.init_weights()
    return model.eval()


def test_init_model_builds_every_shipped_config():
    for name in ('stark_st2_r50_50e_got10k.py', 'stark_s_r50_500e_lasot.py'):
        model = init_model(osp.join(REPO, 'configs', 'sot', 'stark', name))
        assert not model.training
        assert model.test_cfg['search_size'] == 320
    assert model.test_cfg['update_intervals'] == []
    assert not model.with_score_head


def test_init_model_errors(tiny, tmp_path):
    with pytest.raises(FileNotFoundError):
        init_model(str(tmp_path / 'nope.py'))
    with pytest.raises(FileNotFoundError):
        init_model(TINY, str(tmp_path / 'nope.pth'))
    sd = tiny.state_dict()
    bad = dict(sd)
    bad.pop('head.query_embedding.weight')
    bad['head.extra.weight'] = torch.zeros(1)
    path = str(tmp_path / 'bad.pth')
    torch.save(dict(state_dict=bad, meta={}), path)
    with pytest.raises(CheckpointMismatchError) as err:
        init_model(TINY, path)
    msg = str(err.value)
    assert 'head.query_embedding.weight' in msg and 'head.extra.weight' in msg
    official = str(tmp_path / 'official.pth.tar')
    torch.save(dict(net=sd), official)
    # a "net" dict is read as an official checkpoint: its keys must map
    with pytest.raises(UnknownKeysError, match='official STARK .*official'):
        init_model(TINY, official)
    junk = str(tmp_path / 'junk.pth')
    torch.save(dict(weights=[1, 2]), junk)
    with pytest.raises(UnknownCheckpointFormatError, match='junk.pth.*'
                       'top-level keys weights'):
        init_model(TINY, junk)


def test_init_model_loads_and_allows_declared_missing_prefixes(tiny,
                                                               tmp_path):
    sd = {k: v + 1 if v.is_floating_point() else v
          for k, v in tiny.state_dict().items()}
    path = str(tmp_path / 'good.pth')
    torch.save(dict(state_dict=sd, meta={}), path)
    model = init_model(TINY, path)
    assert torch.equal(model.state_dict()['head.query_embedding.weight'],
                       sd['head.query_embedding.weight'])
    no_cls = {k: v for k, v in sd.items()
              if not k.startswith('head.cls_head.')}
    torch.save(dict(state_dict=no_cls,
                    meta=dict(missing_prefixes=['head.cls_head.'])), path)
    init_model(TINY, path)
    torch.save(dict(state_dict=no_cls, meta={}), path)
    with pytest.raises(CheckpointMismatchError, match='cls_head'):
        init_model(TINY, path)


def test_inferencer_outputs_and_bgr_conversion(tiny):
    frames, boxes = make_video()
    inferencer = SOTInferencer(tiny)
    inferencer.init(frames[0], boxes[0])
    tracker = StarkTracker(tiny)
    state = tracker.init(cv2.cvtColor(frames[0], cv2.COLOR_BGR2RGB),
                         boxes[0])
    for frame in frames[1:]:
        result = inferencer.track(frame)
        assert set(result) == {'box', 'score', 'time', 'targets'}
        assert result['targets'][0]['box'] == result['box']
        assert result['time'] > 0
        assert len(result['box']) == 4
        assert all(isinstance(v, float) for v in result['box'])
        assert 0.0 <= result['score'] <= 1.0
        x, y, w, h = result['box']
        assert w >= 10 and h >= 10 and 0 <= x <= frame.shape[1] - 10
        ref = tracker.track(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), state)
        # the inferencer runs the BN-folded copy: float32 rounding only
        assert np.allclose(result['box'], ref['box'], rtol=0, atol=1e-3)
    with pytest.raises(TypeError):
        inferencer.track(frames[0].astype(np.float32))
    with pytest.raises(RuntimeError):
        SOTInferencer(tiny).track(frames[0])


def test_template_cache_equals_naive_path(tiny):
    """Cached template tokens give exactly the naive (recompute) results,
    also across template updates."""
    frames, boxes = make_video(num=8)
    frames = [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in frames]
    tiny.test_cfg.update(update_intervals=[2, 3], update_score_thr=-1.0)
    try:
        cached = StarkTracker(tiny, cache_templates=True)
        naive = StarkTracker(tiny, cache_templates=False)
        s1 = cached.init(frames[0], boxes[0])
        s2 = naive.init(frames[0], boxes[0])
        assert len(s1.templates) == 3
        assert s1.templates[0].tokens is not None
        assert s2.templates[0].tokens is None
        for frame in frames[1:]:
            r1, r2 = cached.track(frame, s1), naive.track(frame, s2)
            assert r1['box'] == r2['box'] and r1['score'] == r2['score']
        assert s1.updated_frames == [2, 3, 4, 6] == s2.updated_frames
    finally:
        tiny.test_cfg.update(update_intervals=[10], update_score_thr=0.5)


def test_batched_targets_match_single(tiny):
    frames, boxes = make_video(num=4)
    frames = [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in frames]
    other = [90, 20, 40, 30]
    tracker = StarkTracker(tiny)
    single = [tracker.init(frames[0], b) for b in (boxes[0], other)]
    batch = [tracker.init(frames[0], b) for b in (boxes[0], other)]
    for frame in frames[1:]:
        ref = [tracker.track(frame, s) for s in single]
        out = tracker.track_batch(frame, batch)
        for a, b in zip(ref, out):
            assert np.allclose(a['box'], b['box'], atol=1e-3)
            assert abs(a['score'] - b['score']) < 1e-5


def test_stark_init_track_methods(tiny):
    frames, boxes = make_video(num=3)
    tiny.init(cv2.cvtColor(frames[0], cv2.COLOR_BGR2RGB), boxes[0])
    out = tiny.track(cv2.cvtColor(frames[1], cv2.COLOR_BGR2RGB))
    assert len(out['box']) == 4
