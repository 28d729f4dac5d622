"""Every shipped STARK config trains as the official code does: each
deliberate difference (README, "Differences from the official code")
is an option that is off in every config of ``configs/sot/stark``."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from stark_plugin.registry import MODELS
from stark_plugin.setup_env import register_all_modules

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'sot',
                      'stark')
ALL = sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))
#: the published models (the tiny CPU configs change model size, jitter and
#: schedule for a from-scratch run on synthetic data, see their headers)
PUBLISHED = [c for c in ALL if 'tiny' not in osp.basename(c)]


def test_configs_found():
    assert len(PUBLISHED) >= 14 and len(ALL) > len(PUBLISHED)


def _cfg(path):
    return Config.fromfile(path)


def _pipelines(cfg):
    ds = cfg.train_dataloader.dataset
    children = ds.get('datasets') or [ds]
    return [d.pipeline for d in children], children


@pytest.mark.parametrize('path', ALL, ids=osp.basename)
def test_stage2_frozen_parts_keep_dropout(path):
    """Official: net.train() trains everything in train mode; stage 2 only
    freezes parameters, so the transformer's dropout stays on."""
    cfg = _cfg(path)
    assert cfg.model.get('train_cfg', {}).get('frozen_eval', False) is False
    register_all_modules()
    model = MODELS.build(cfg.model)
    model.train()
    # STARK-S/ST: encoder-decoder; STARK-Lightning: its one lite encoder
    encoder = getattr(model.head, 'transformer', None) or model.head.encoder
    assert encoder.training


@pytest.mark.parametrize('path', ALL, ids=osp.basename)
def test_frame_sampler_is_the_official_mode(path):
    """STARK-ST: trident_pro (dynamic template may be invisible); STARK-S
    and STARK-Lightning (its yaml's default SAMPLER_MODE): causal with one
    template."""
    cfg = _cfg(path)
    for pipeline in _pipelines(cfg)[0]:
        sampler = pipeline[0]
        if osp.basename(path).startswith(('stark_s_', 'stark_lightning_')):
            assert sampler.type == 'CausalSampling'
            assert sampler.num_template_frames == 1
            assert sampler.max_gap == 200
        else:
            assert sampler.type == 'TridentSampling'
            assert sampler.get('mode', 'trident_pro') == 'trident_pro'


@pytest.mark.parametrize('path', ALL, ids=osp.basename)
def test_coco_keeps_small_boxes(path):
    """Official MSCOCOSeq flags boxes <= 50 px invisible, but the sampler
    ignores that for image datasets: every instance trains."""
    for child in _pipelines(_cfg(path))[1]:
        if child.type == 'SOTCocoDataset':
            assert child.get('skip_small', False) is False


@pytest.mark.parametrize('path', ALL, ids=osp.basename)
def test_crop_augmentations_and_checks_in_official_order(path):
    """transform_train (brightness, per-crop flip) runs before the padding
    rules 2 and 3, which look at the flipped mask; brightness is applied in
    float by the data preprocessor."""
    for pipeline in _pipelines(_cfg(path))[0]:
        types = [t.type for t in pipeline]
        stages = [t.get('stage') for t in pipeline]
        crop_flip = stages.index('crops')
        assert types.index('SeqCropLikeStark') < types.index(
            'BrightnessAug') < crop_flip < types.index(
                'CheckPadMaskValidity')
        assert types.index('GrayAug') < stages.index('frames') < \
            types.index('SeqBboxJitter')
        assert pipeline[types.index('BrightnessAug')].jitter == 0.2
        assert pipeline[types.index('GrayAug')].prob == 0.05


@pytest.mark.parametrize('path', PUBLISHED, ids=osp.basename)
def test_published_model_settings(path):
    cfg = _cfg(path)
    loader = cfg.train_dataloader
    assert loader.drop_last is True  # official LTRLoader
    assert loader.batch_size == 16
    assert loader.sampler.samples_per_epoch == 60000
    head = cfg.model.head
    if head.get('cls_head'):
        assert head.cls_head.get('input_norm_cfg') is None
    pipeline = _pipelines(cfg)[0][0]
    jitter = next(t for t in pipeline if t.type == 'SeqBboxJitter')
    assert (jitter.template_center, jitter.template_scale,
            jitter.search_center, jitter.search_scale) == (0, 0, 4.5, 0.5)
    opt = cfg.optim_wrapper
    assert opt.optimizer.type == 'AdamW' and opt.clip_grad.max_norm == 0.1
    assert opt.optimizer.lr == 1e-4 and opt.optimizer.weight_decay == 1e-4
    # weight decay on every parameter (no norm / bias exceptions)
    paramwise = opt.get('paramwise_cfg', {})
    assert set(paramwise) <= {'custom_keys'}
    assert paramwise['custom_keys'] == {'backbone': dict(lr_mult=0.1)}
