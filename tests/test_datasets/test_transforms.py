import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from stark_plugin.datasets import GOT10kDataset
from stark_plugin.datasets.transforms import (BrightnessAug,
                                              CheckPadMaskValidity, GrayAug,
                                              PackSOTInputs,
                                              PackSOTTestInputs,
                                              SeqBboxJitter, SeqCropLikeStark,
                                              SeqRandomFlip, TridentSampling,
                                              jitter_box,
                                              sample_ids)
from stark_plugin.registry import DATASETS, TRANSFORMS
from stark_plugin.structures import map_box_to_crop, sample_target

from .sot_data_helpers import video_record

CFG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_',
                   'datasets')


# ---------------------------------------------------------------- sampling
def test_sample_ids_modes():
    vis = np.array([1, 0, 1, 0, 0], bool)
    np.random.seed(0)
    assert set(sample_ids(vis, 50)) == {0, 2}
    assert set(sample_ids(vis, 50, mode='invisible')) == {1, 3, 4}
    assert set(sample_ids(vis, 50, lo=-5, hi=2, mode='any')) == {0, 1}
    assert sample_ids(vis, 1, lo=3, hi=5) is None
    assert sample_ids(vis, 1, lo=4, hi=4, mode='any') is None


def test_trident_sampling_rules():
    np.random.seed(0)
    vis = np.ones(400, bool)
    vis[::3] = False
    t = TridentSampling(num_template_frames=2, max_frame_range=[200],
                        mode='trident')
    for _ in range(200):
        out = t(video_record(vis))
        (t1, t2, s) = out['frame_ids']
        assert vis[[t1, t2, s]].all()  # trident: invisible frames unused
        if t1 >= s:
            assert s <= t2 < s + 200
        else:
            assert s - 200 <= t2 < s
        assert out['img_path'][0].endswith(f'{t1 + 1:08d}.jpg')
        np.testing.assert_array_equal(out['gt_bboxes'][2],
                                      [10 + s, 10, 20, 20])
        assert out['num_templates'] == 2 and 'gt_label' not in out


def test_trident_rejects_unusable_videos():
    t = TridentSampling()
    assert t(video_record(np.ones(19, bool))) is None  # official: >= 20 frames
    few = np.zeros(50, bool)
    few[:6] = True  # needs > 2 * 3 visible frames
    assert t(video_record(few)) is None
    few[6] = True
    assert t(video_record(few)) is not None


def test_trident_pro_allows_invisible_extra_template():
    np.random.seed(1)
    vis = np.zeros(100, bool)
    vis[::2] = True
    t = TridentSampling()  # official STARK-ST default: trident_pro
    assert t.mode == 'trident_pro'
    extra = [t(video_record(vis))['frame_ids'][1] for _ in range(200)]
    assert not vis[extra].all() and vis[extra].any()
    plain = TridentSampling(mode='trident')
    extra = [plain(video_record(vis))['frame_ids'][1] for _ in range(200)]
    assert vis[extra].all()
    with pytest.raises(ValueError, match='mode'):
        TridentSampling(mode='causal')


def test_trident_image_dataset_repeats_frame():
    t = TridentSampling()
    out = t(video_record(np.ones(1, bool), is_video=False))
    assert out['frame_ids'] == [0, 0, 0]


# ----------------------------------------------------------- augmentation
def _frames(n=3, h=40, w=60, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 255, (h, w, 3), dtype=np.uint8) for _ in
            range(n)]


def test_gray_aug():
    imgs = _frames()
    out = GrayAug(prob=1.0)(dict(img=list(imgs)))
    for src, img in zip(imgs, out['img']):
        assert img.shape == src.shape and img.dtype == np.uint8
        assert (img[..., 0] == img[..., 1]).all()
        np.testing.assert_array_equal(img[..., 0],
                                      cv2.cvtColor(src, cv2.COLOR_BGR2GRAY))
    same = GrayAug(prob=0.0)(dict(img=list(imgs)))
    assert all((a == b).all() for a, b in zip(same['img'], imgs))


def test_flip_frames_pixel_convention():
    imgs = _frames(w=60)
    boxes = np.array([[10., 5, 20, 8]] * 3)
    out = SeqRandomFlip(prob=1.0, stage='frames')(
        dict(img=list(imgs), gt_bboxes=boxes.copy()))
    np.testing.assert_array_equal(out['img'][1], imgs[1][:, ::-1])
    np.testing.assert_allclose(out['gt_bboxes'][0], [59 - 30, 5, 20, 8])


@pytest.mark.parametrize('shape,dtype', [
    ((24, 33, 3), np.uint8), ((24, 33), np.bool_), ((5, 7, 1), np.uint8),
    ((6, 5, 6), np.uint8), ((9, 4), np.float64), ((3, 8, 2), np.int64),
    ((1, 1, 3), np.uint8)])
def test_mirror_is_numpys_reversed_copy(shape, dtype):
    from stark_plugin.datasets.transforms.augment import mirror
    rng = np.random.default_rng(0)
    img = (rng.random(shape) * 255).astype(dtype)
    out = mirror(img)
    expected = np.ascontiguousarray(img[:, ::-1])
    assert out.dtype == expected.dtype and out.shape == expected.shape
    assert out.flags.c_contiguous and not np.shares_memory(out, img)
    np.testing.assert_array_equal(out, expected)
    # a view of a larger array flips as its own pixels
    view = img[1:, 1:]
    np.testing.assert_array_equal(mirror(view), view[:, ::-1])


def test_flip_crops_each_on_its_own():
    np.random.seed(3)
    n = 200
    imgs = [np.zeros((4, 4, 3), np.uint8) for _ in range(n)]
    masks = [np.zeros((4, 4), bool) for _ in range(n)]
    for m in masks:
        m[:, 0] = True
    boxes = np.tile([0.1, 0.2, 0.3, 0.4], (n, 1))
    out = SeqRandomFlip(prob=0.5, stage='crops')(
        dict(img=imgs, pad_mask=masks, crop_bboxes=boxes))
    flips = np.array(out['crop_flip'])
    assert 0.35 < flips.mean() < 0.65
    for i in range(n):
        if flips[i]:
            assert out['pad_mask'][i][:, 3].all()
            np.testing.assert_allclose(out['crop_bboxes'][i],
                                       [0.6, 0.2, 0.3, 0.4], atol=1e-7)
        else:
            assert out['pad_mask'][i][:, 0].all()


def test_flip_rejects_unknown_stage():
    with pytest.raises(ValueError):
        SeqRandomFlip(stage='both')


def test_brightness_aug_draws_one_factor_per_crop():
    np.random.seed(0)
    img = np.full((8, 8, 3), 100, np.uint8)
    imgs = [img.copy() for _ in range(50)]
    out = BrightnessAug(jitter=0.2)(dict(img=imgs))
    factors = np.array(out['brightness'])
    assert ((factors >= 0.8) & (factors <= 1.2)).all()
    assert len(set(np.round(factors, 6))) == 50  # one factor per crop
    # the pixels are untouched: the data preprocessor applies the factor
    # in float, as the official ToTensorAndJitter (no uint8 rounding)
    assert all(o is i for o, i in zip(out['img'], imgs))
    assert (out['img'][0] == 100).all()


# --------------------------------------------------------- jitter / crop
def test_jitter_box_official_formula():
    np.random.seed(5)
    box = np.array([50., 60, 20, 10])
    np.testing.assert_allclose(jitter_box(box, 0, 0), box)
    for _ in range(200):
        j = jitter_box(box, 4.5, 0.5)
        max_off = np.sqrt(j[2] * j[3]) * 4.5
        shift = (j[:2] + j[2:] / 2) - (box[:2] + box[2:] / 2)
        assert (np.abs(shift) <= max_off / 2 + 1e-9).all()
    sizes = np.array([jitter_box(box, 0, 0.5)[2:] for _ in range(3000)])
    np.testing.assert_allclose(np.log(sizes / box[2:]).std(0), 0.5,
                               atol=0.05)


def test_seq_bbox_jitter_roles_and_rejects():
    res = dict(gt_bboxes=np.array([[5., 5, 10, 10]] * 3), num_templates=2)
    out = SeqBboxJitter()(dict(res))
    np.testing.assert_allclose(out['jittered_bboxes'][:2], res['gt_bboxes'][
        :2])  # templates are not jittered (STARK: 0 / 0)
    assert not np.allclose(out['jittered_bboxes'][2], res['gt_bboxes'][2])
    boxes = res['gt_bboxes'].copy()
    boxes[2] = [np.nan, 1, 2, 3]
    assert SeqBboxJitter()(dict(res, gt_bboxes=boxes)) is None
    # a box without area is jittered, then rejected by the crop (official
    # rule 1: ceil(sqrt(w * h) * factor) < 1)
    boxes[2] = [1, 1, 0, 5]
    out = SeqBboxJitter()(dict(res, gt_bboxes=boxes))
    assert out['jittered_bboxes'][2, 2] == 0
    out['img'] = _frames(3, 40, 40)
    assert SeqCropLikeStark()(out) is None


def test_seq_bbox_jitter_replays_given_draws():
    res = dict(gt_bboxes=np.array([[5., 5, 10, 10]] * 3), num_templates=2)
    randn = np.array([[0, 0], [0, 0], [0.3, -1.2]], np.float32)
    rand = np.array([[0.5, 0.5], [0.1, 0.9], [0.25, 0.75]], np.float32)
    out = SeqBboxJitter()(dict(res, jitter_draws=dict(randn=randn,
                                                      rand=rand)))
    size = np.float32([10, 10]) * np.exp(randn[2] * np.float32(0.5))
    centre = np.float32(10) + np.sqrt(size.prod()) * np.float32(4.5) * (
        rand[2] - np.float32(0.5))
    np.testing.assert_allclose(out['jittered_bboxes'][2],
                               np.concatenate([centre - size / 2, size]),
                               rtol=1e-6)
    assert out['jittered_bboxes'].dtype == np.float32
    np.testing.assert_array_equal(out['jittered_bboxes'][:2],
                                  res['gt_bboxes'][:2])


def test_seq_crop_like_stark_matches_structures():
    imgs = _frames(3, 100, 120)
    boxes = np.array([[30., 20, 30, 40], [35., 25, 30, 40],
                      [40., 30, 25, 30]])
    jit = boxes + np.array([1., -2, 3, 1])
    out = SeqCropLikeStark()(dict(img=list(imgs), gt_bboxes=boxes,
                                  jittered_bboxes=jit, num_templates=2))
    for i, (size, factor) in enumerate([(128, 2.0), (128, 2.0), (320, 5.0)]):
        crop, scale, mask = sample_target(imgs[i], jit[i], factor, size)
        np.testing.assert_array_equal(out['img'][i], crop)
        np.testing.assert_array_equal(out['pad_mask'][i], mask)
        np.testing.assert_allclose(
            out['crop_bboxes'][i],
            map_box_to_crop(boxes[i], jit[i], scale, size, normalize=True))
    assert out['img'][2].shape == (320, 320, 3)


def test_check_pad_mask_validity():
    check = CheckPadMaskValidity(stride=16)
    ok = np.zeros((128, 128), bool)
    assert check(dict(pad_mask=[ok, ok])) is not None
    assert check(dict(pad_mask=[ok, np.ones((128, 128), bool)])) is None
    # not all padding at full size, but all padding at 8x8 (nearest
    # sampling reads rows/columns 0, 16, ..., 112)
    thin = np.ones((128, 128), bool)
    thin[:, 120:] = False
    assert check(dict(pad_mask=[ok, thin])) is None
    thin[:, 112] = False
    assert check(dict(pad_mask=[ok, thin])) is not None
    assert check.rules(np.ones((128, 128), bool)) == (True, True)
    assert check.rules(ok) == (False, False)


def test_pad_mask_rules_run_after_the_crop_flip():
    """Rule 3 samples columns 0, 16, ..., so the official order (flip, then
    check) decides it: a crop that sees the frame only in its last columns
    fails unflipped and passes flipped."""
    init_default_scope('stark_plugin')
    cfg = Config.fromfile(osp.join(CFG_DIR, 'got10k_stark_st1.py'))
    types = [t['type'] for t in cfg.train_pipeline]
    flips = [i for i, t in enumerate(cfg.train_pipeline)
             if t['type'] == 'SeqRandomFlip' and t['stage'] == 'crops']
    assert flips and types.index('CheckPadMaskValidity') > flips[0]
    mask = np.ones((128, 128), bool)
    mask[:, 120:] = False
    ok = np.zeros((128, 128), bool)
    res = dict(img=[np.zeros((128, 128, 3), np.uint8)] * 2,
               pad_mask=[ok, mask], crop_bboxes=np.zeros((2, 4)))
    flipped = SeqRandomFlip(prob=1.0, stage='crops')(dict(res, pad_mask=[
        ok, mask.copy()]))
    assert CheckPadMaskValidity()(flipped) is not None
    assert CheckPadMaskValidity()(dict(res)) is None


# --------------------------------------------------------------- packing
def test_pack_sot_inputs():
    imgs = [np.full((128, 128, 3), (1, 2, 3), np.uint8)] * 2 + \
        [np.full((320, 320, 3), (4, 5, 6), np.uint8)]
    masks = [np.zeros((128, 128), bool)] * 2 + [np.ones((320, 320), bool)]
    res = dict(img=imgs, pad_mask=masks, num_templates=2,
               crop_bboxes=np.arange(12, dtype=np.float64).reshape(3, 4),
               frame_ids=[4, 2, 9], video_name='v', dataset_name='d',
               gt_label=0)
    out = PackSOTInputs()(res)
    t, s = out['inputs']['template'], out['inputs']['search']
    assert t.shape == (2, 3, 128, 128) and t.dtype == torch.uint8
    assert s.shape == (1, 3, 320, 320) and s.dtype == torch.uint8
    assert t[0, :, 0, 0].tolist() == [1, 2, 3]  # BGR kept
    sample = out['data_samples']
    assert sample.template_masks.shape == (2, 128, 128)
    assert sample.template_masks.dtype == torch.bool
    assert sample.search_mask.shape == (320, 320) and sample.search_mask.all()
    assert sample.template_bboxes.shape == (2, 4)
    assert sample.search_bbox.tolist() == [8, 9, 10, 11]
    assert sample.gt_label.tolist() == [0.0]
    assert sample.template_frame_ids == [4, 2]
    assert sample.search_frame_id == 9 and sample.video_name == 'v'


def test_pack_sot_test_inputs():
    res = dict(img=np.zeros((6, 8, 3), np.uint8), gt_bbox=np.array(
        [1., 2, 3, 4]), init_bbox=np.array([0., 0, 2, 2]), video_name='v',
               frame_id=3, video_idx=0, video_length=9, visible=True)
    out = PackSOTTestInputs()(res)
    assert out['inputs']['img'].shape == (3, 6, 8)
    assert out['data_samples'].init_bbox == [0, 0, 2, 2]
    assert out['data_samples'].frame_id == 3


# ------------------------------------------------------------ full chain
@pytest.mark.parametrize('cfg_name', ['got10k_stark_st1', 'got10k_stark_st2'])
def test_config_pipeline_end_to_end(synth_root, cfg_name):
    init_default_scope('stark_plugin')
    cfg = Config.fromfile(osp.join(CFG_DIR, f'{cfg_name}.py'))
    assert cfg.train_dataloader.batch_size == 16
    assert cfg.train_dataloader.sampler.samples_per_epoch == 60000
    cfg.train_dataloader.dataset.data_root = synth_root
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    np.random.seed(0)
    labels = []
    for i in range(12):
        out = ds[i % len(ds)]
        assert out['inputs']['template'].shape == (2, 3, 128, 128)
        assert out['inputs']['search'].shape == (1, 3, 320, 320)
        box = out['data_samples'].search_bbox
        assert torch.isfinite(box).all() and (box[2:] > 0).all()
        if cfg_name.endswith('st2'):
            labels.append(float(out['data_samples'].gt_label))
    if labels:
        assert 0 < np.mean(labels) < 1


def test_dataset_retries_rejected_samples(synth_root):
    """A None from the pipeline makes BaseDataset draw another video."""
    calls = []

    def reject_first(results):
        calls.append(results['video_idx'])
        return None if len(calls) == 1 else results

    ds = GOT10kDataset(data_root=synth_root, split='train',
                       pipeline=[reject_first])
    out = ds[0]
    assert len(calls) == 2 and out['video_idx'] == calls[1]


def test_all_transforms_registered():
    for name in ('TridentSampling', 'CausalSampling', 'GrayAug',
                 'SeqRandomFlip',
                 'SeqBboxJitter', 'SeqCropLikeStark', 'BrightnessAug',
                 'CheckPadMaskValidity', 'PackSOTInputs',
                 'PackSOTTestInputs'):
        assert TRANSFORMS.get(name) is not None, name


def _types(node):
    if isinstance(node, dict):
        if 'type' in node:
            yield node['type']
        for v in node.values():
            yield from _types(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _types(v)


@pytest.mark.parametrize('name', sorted(
    f[:-3] for f in os.listdir(CFG_DIR) if f.endswith('.py')))
def test_dataset_configs_resolve(name):
    from mmengine.registry import DATA_SAMPLERS as ROOT_SAMPLERS
    from mmengine.registry import FUNCTIONS as ROOT_FUNCTIONS
    from stark_plugin.registry import DATA_SAMPLERS
    init_default_scope('stark_plugin')
    cfg = Config.fromfile(osp.join(CFG_DIR, f'{name}.py'))
    for key in ('train_dataloader', 'test_dataloader'):
        if key in cfg:
            for t in _types(cfg[key]):
                # collate_fn / worker_init_fn: the Runner looks them up in
                # mmengine's FUNCTIONS
                assert (TRANSFORMS.get(t) or DATASETS.get(t)
                        or DATA_SAMPLERS.get(t)
                        or ROOT_SAMPLERS.get(t)
                        or ROOT_FUNCTIONS.get(t)) is not None, t
    if 'test_dataloader' in cfg:
        assert cfg.test_dataloader.sampler.type == 'VideoSampler'
        assert cfg.test_dataloader.dataset.test_mode
        if 'test_evaluator' not in cfg:
            # a shared part (vot.py): every challenge config that builds on
            # it adds the evaluator, and at least one does
            users = [f for f in os.listdir(CFG_DIR) if f.endswith('.py')
                     and f"'./{name}.py'" in open(osp.join(CFG_DIR, f)).read()]
            assert users, f'{name}.py has no evaluator and no config uses it'
            return
        ev = cfg.test_evaluator
        if ev.type == 'VOTMetric':  # VOT challenges: a toolkit stack
            assert {'stack', 'experiment', 'protocol'} <= set(ev)
        else:
            assert ev.type == 'SOTMetric' and {'benchmark', 'protocol',
                                               'format_only'} <= set(ev)


def test_mix_config_weights():
    cfg = Config.fromfile(osp.join(CFG_DIR, 'stark_mix_st2.py'))
    ds = cfg.train_dataloader.dataset
    assert ds.type == 'RandomSampleConcatDataset' and ds.weights == [1] * 4
    assert [d.type for d in ds.datasets] == [
        'LaSOTDataset', 'GOT10kDataset', 'SOTCocoDataset',
        'TrackingNetDataset'
    ]
    assert ds.datasets[1].split == 'vot_train'
    assert ds.datasets[0].pipeline[0].cls_pos_prob == 0.5


def test_val_config_test_pipeline(synth_root):
    init_default_scope('stark_plugin')
    cfg = Config.fromfile(osp.join(CFG_DIR, 'got10k_val.py'))
    # SOTTestLoop tracks whole videos and needs no pipeline; a frame-level
    # consumer of the same dataset packs frames with PackSOTTestInputs
    assert cfg.test_dataloader.dataset.pipeline == []
    assert cfg.test_dataloader.sampler.type == 'VideoSampler'
    cfg.test_dataloader.dataset.data_root = synth_root
    cfg.test_dataloader.dataset.pipeline = [
        dict(type='LoadImageFromFile'), dict(type='PackSOTTestInputs')]
    ds = DATASETS.build(cfg.test_dataloader.dataset)
    assert len(ds) == 2 * 24
    out = ds[25]
    assert out['inputs']['img'].shape == (3, 120, 160)
    sample = out['data_samples']
    assert sample.video_name == 'GOT-10k_Val_000002' and sample.frame_id == 1
    np.testing.assert_allclose(sample.init_bbox,
                               ds.get_video(1)['gt_bboxes'][0])
