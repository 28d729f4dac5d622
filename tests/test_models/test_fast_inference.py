"""The lean tracking step gives the naive path's results."""
import copy

import numpy as np
import pytest
import torch

from stark_plugin.apis import SOTInferencer
from stark_plugin.benchmarking import lissajous_sequence
from stark_plugin.models import (FrozenBatchNorm2d, fuse_conv_bn,
                                 prepare_for_inference)


def _norms(module):
    from torch.nn.modules.batchnorm import _BatchNorm
    return [m for m in module.modules()
            if isinstance(m, (FrozenBatchNorm2d, _BatchNorm))]


def test_bn_folding_exact(tiny):
    n_norms = len(_norms(tiny))
    assert n_norms > 20
    fused = copy.deepcopy(tiny)
    assert fuse_conv_bn(fused) == n_norms
    assert _norms(fused) == []
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        ref, out = tiny.backbone(x)[-1], fused.backbone(x)[-1]
        assert ref.abs().max() > 0.1
        assert torch.allclose(out, ref, rtol=0, atol=1e-5)
        feat = torch.randn(2, 32, 10, 10)
        for a, b in zip(tiny.head.bbox_head(feat), fused.head.bbox_head(feat)):
            assert torch.allclose(a, b, rtol=0, atol=1e-5)


def test_prepare_for_inference_leaves_the_model_alone(tiny):
    before = {k: v.clone() for k, v in tiny.state_dict().items()}
    grads = [p.requires_grad for p in tiny.parameters()]
    net = prepare_for_inference(tiny)
    assert net is not tiny and net.inference_ready
    assert net.head.transformer.fast_inference and net.fast_inference
    assert not tiny.head.transformer.fast_inference
    assert [p.requires_grad for p in tiny.parameters()] == grads
    for k, v in tiny.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert not any(p.requires_grad for p in net.parameters())
    # cached while the weights are unchanged, rebuilt after an update
    assert prepare_for_inference(tiny) is net
    p = next(tiny.head.parameters())
    with torch.no_grad():
        p.add_(1.0)
    try:
        assert prepare_for_inference(tiny) is not net
    finally:
        with torch.no_grad():
            p.sub_(1.0)
    # training still uses the plain (unfused, non-SDPA) modules
    tiny.train()
    assert _norms(tiny) and tiny.head.transformer.training
    tiny.eval()


def _track(inferencer, frames, box):
    inferencer.init(frames[0], box)
    rows = []
    for frame in frames[1:]:
        out = inferencer.track(frame)
        rows.append((out['box'], out['score'],
                     inferencer.last_result['pred_box_norm']))
    return rows


def test_fast_path_equals_naive_path(tiny_updating):
    """Over a sequence that crosses the image border (padded crops, masked
    attention) with template updates every 3rd frame."""
    frames, boxes = lissajous_sequence(10, 480, 640, seed=3)
    box = boxes[0]
    naive = SOTInferencer(tiny_updating, cache_templates=False, fast=False)
    fast = SOTInferencer(tiny_updating)
    assert fast.tracker.cache_templates and not naive.tracker.cache_templates
    assert fast.net is not tiny_updating and naive.net is tiny_updating
    ref = _track(naive, frames, box)
    out = _track(fast, frames, box)
    for (b1, s1, n1), (b2, s2, n2) in zip(ref, out):
        # network outputs (crop-normalised) and scores within 1e-5; pixel
        # boxes scale them by search_factor * target size
        assert np.allclose(n1, n2, rtol=0, atol=1e-5)
        assert abs(s1 - s2) <= 1e-5
        assert np.allclose(b1, b2, rtol=1e-5, atol=1e-4)
    assert naive.updated_frames == fast.updated_frames == [3, 6, 9]
    # the sequence did exercise padded search crops
    masks = [fast.tracker.crop(f[..., ::-1].copy(), b, 5.0, 160)[1].any()
             for f, b in zip(frames, boxes)]
    assert any(masks) and not all(masks)


def test_fast_crop_bit_identical(tiny):
    """In-place normalisation == the data preprocessor's ``normalize``."""
    frames, boxes = lissajous_sequence(4, 240, 320)
    fast = SOTInferencer(tiny).tracker
    naive = SOTInferencer(tiny, cache_templates=False, fast=False).tracker
    for frame, box in zip(frames, boxes):
        rgb = frame[..., ::-1].copy()
        a, b = fast.crop(rgb, box, 5.0, 160), naive.crop(rgb, box, 5.0, 160)
        assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
        assert a[2] == b[2]


def test_mask_free_pos_encoding_is_cached(tiny):
    net = prepare_for_inference(tiny)
    img = torch.randn(1, 3, 160, 160)
    free = torch.zeros(1, 160, 160, dtype=torch.bool)
    padded = free.clone()
    padded[:, :, :40] = True
    with torch.inference_mode():
        t1 = net.extract_tokens(img, free)
        assert len(net._pos_cache) == 1
        t2 = net.extract_tokens(img, padded)
        assert len(net._pos_cache) == 1
        r1 = tiny.extract_tokens(img, free)
        r2 = tiny.extract_tokens(img, padded)
    assert torch.equal(t1.pos, r1.pos) and torch.equal(t2.pos, r2.pos)
    assert not torch.equal(t1.pos, t2.pos)


def test_bf16_backend_runs_and_stays_close(tiny):
    frames, boxes = lissajous_sequence(5, 240, 320)
    ref = SOTInferencer(tiny)
    bf16 = SOTInferencer(tiny, backend='torch-bf16')
    ref.init(frames[0], boxes[0])
    bf16.init(frames[0], boxes[0])
    for frame in frames[1:]:
        bf16.states[0].box = list(ref.states[0].box)
        a, b = ref.track(frame), bf16.track(frame)
        assert all(np.isfinite(b['box']))
        # same crop, bf16 numerics: a few pixels at most on a tiny model
        assert np.abs(np.subtract(a['box'], b['box'])).max() < 8.0
    with pytest.raises(ValueError, match='backend'):
        SOTInferencer(tiny, backend='tensorrt')
