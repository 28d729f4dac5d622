"""One optimisation step of STARK-Lightning on its real config (the real
128 / 320 px crops of the config's training pipeline on synthetic frames):
the step moves exactly the trainable weights (not stage0, not the frozen
backbone BatchNorms), and the losses are the official actor's."""
import os.path as osp
from typing import Dict

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper

from stark_plugin.registry import DATASETS, MODELS
from stark_plugin.setup_env import register_all_modules

CONFIG = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'sot',
                  'stark', 'stark_lightning_x_trt_got10k.py')


def _snapshot(model) -> Dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_config_follows_the_official_yaml():
    cfg = Config.fromfile(CONFIG)
    pipeline = cfg.train_dataloader.dataset.datasets[0].pipeline
    assert pipeline[0]['type'] == 'CausalSampling'
    assert pipeline[0]['num_template_frames'] == 1
    assert cfg.train_dataloader.dataset.weights == [1, 1, 1, 1]
    assert cfg.train_dataloader.sampler.samples_per_epoch == 60000
    assert cfg.train_dataloader.batch_size == 16
    assert cfg.train_cfg.max_epochs == 500
    assert cfg.param_scheduler[0]['milestones'] == [400]
    assert cfg.optim_wrapper.optimizer.lr == 1e-4
    assert cfg.optim_wrapper.clip_grad.max_norm == 0.1
    assert cfg.model.test_cfg.update_intervals == []


def test_one_step_moves_exactly_the_trainable_weights(two_video_got10k):
    register_all_modules()
    cfg = Config.fromfile(CONFIG)
    # the ImageNet backbone weights are not shipped: random init
    assert cfg.model.backbone.init_cfg['type'] == 'Pretrained'
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    np.random.seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    ds_cfg = cfg.train_dataloader.dataset.datasets[1].copy()
    ds_cfg.update(data_root=two_video_got10k, split='train')
    sample = DATASETS.build(ds_cfg)[0]
    t_size = cfg.model.test_cfg.template_size
    s_size = cfg.model.test_cfg.search_size
    assert tuple(sample['inputs']['template'].shape) == (1, 3, t_size,
                                                         t_size)
    assert tuple(sample['inputs']['search'].shape) == (1, 3, s_size, s_size)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = _snapshot(model)
    log_vars = model.train_step(pseudo_collate([sample]), optim_wrapper)
    after = _snapshot(model)

    assert set(log_vars) >= {'loss', 'loss_bbox', 'loss_iou'}
    assert all(np.isfinite(float(v)) for v in log_vars.values())
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    # official BACKBONE_TRAINED_LAYERS = stage1-3: stage0 frozen; the
    # backbone's FrozenBN parameters are buffers
    assert not any(n.startswith('backbone.stage0.') for n in trainable)
    assert not any(n.startswith('backbone.') and '.bn.' in n
                   for n in trainable)
    assert not any(n.startswith('backbone.stage0.') for n in changed)
    assert trainable <= changed, sorted(trainable - changed)[:10]
    # no other tensor moved except the head's BatchNorm statistics
    others = changed - trainable
    assert others and all(
        n.startswith('head.bbox_head.') and
        ('running_' in n or 'num_batches_tracked' in n)
        for n in others), sorted(others)
    for prefix in ('backbone.stage1.', 'backbone.stage3.', 'neck.',
                   'positional_encoding.encodings.template.',
                   'positional_encoding.encodings.search.',
                   'head.encoder.', 'head.bbox_head.'):
        assert any(n.startswith(prefix) for n in changed), prefix


def test_backbone_loads_imagenet_repvgg_a0_weights(tmp_path):
    """The official training starts from RepVGG-A0-train.pth (full A0:
    stage3 has 14 blocks, stage4 and a classifier, BatchNorm2d buffers):
    the backbone's Pretrained init takes the shared keys as they are."""
    from collections import OrderedDict

    from stark_plugin.models import RepVGG
    full = RepVGG(widths=(48, 48, 96, 192, 1280), num_blocks=(2, 4, 14, 1),
                  out_indices=(4, ), norm='BN')
    torch.manual_seed(1)
    sd = OrderedDict()
    for k, v in full.state_dict().items():
        sd[k] = v if k.endswith('num_batches_tracked') else \
            torch.randn_like(v).abs() + 0.1
    sd['linear.weight'] = torch.zeros(1000, 1280)
    path = str(tmp_path / 'RepVGG-A0-train.pth')
    torch.save(sd, path)
    register_all_modules()
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=path)
    backbone = MODELS.build(cfg.model.backbone)
    backbone.init_weights()
    own = backbone.state_dict()
    assert own, 'empty backbone'
    for k, v in own.items():
        assert torch.equal(v, sd[k]), k
