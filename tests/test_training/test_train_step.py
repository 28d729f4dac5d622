"""One optimisation step on the real STARK-ST50 configs (batch 1, the real
128 / 320 px crops from the real training pipeline on synthetic frames):
stage 1 moves exactly the trainable weights (not conv1 / layer1, not the
frozen BN, not the score head); stage 2 moves only the score head."""
import os.path as osp
from typing import Dict, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper

from stark_plugin.registry import DATASETS, MODELS
from stark_plugin.setup_env import register_all_modules

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'sot',
                      'stark')

#: trainable tensors whose gradient is exactly zero in the very first step
#: (as in DETR / official STARK): the decoder starts from a zero target and
#: one query, so the first decoder layer's self-attention has a softmax over
#: a single key (constant: no gradient to the q/k projections) and zero
#: values (no gradient to the v projection or the output projection
#: weight), and its norm sees only the zero-initialised output bias.
ZERO_GRAD_AT_FIRST_STEP = {
    'head.transformer.decoder.layers.0.self_attn.attn.in_proj_weight',
    'head.transformer.decoder.layers.0.self_attn.attn.out_proj.weight',
    'head.transformer.decoder.layers.0.norms.0.weight',
}


def _snapshot(model) -> Dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _one_step(config: str, data_root: str, seed: int = 0
              ) -> Tuple[torch.nn.Module, Dict[str, torch.Tensor],
                         Dict[str, torch.Tensor], dict]:
    register_all_modules()
    cfg = Config.fromfile(osp.join(CONFIG_DIR, config))
    torch.manual_seed(seed)
    np.random.seed(seed)
    model = MODELS.build(cfg.model)  # random init: nothing downloaded
    model.train()
    ds_cfg = cfg.train_dataloader.dataset.copy()
    ds_cfg.update(data_root=data_root, split='train')
    dataset = DATASETS.build(ds_cfg)
    sample = dataset[0]
    assert tuple(sample['inputs']['template'].shape) == (2, 3, 128, 128)
    assert tuple(sample['inputs']['search'].shape) == (1, 3, 320, 320)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = _snapshot(model)
    log_vars = model.train_step(pseudo_collate([sample]), optim_wrapper)
    return model, before, _snapshot(model), log_vars


def _changed(before, after):
    return {k for k in before if not torch.equal(before[k], after[k])}


def test_stage_one_step_moves_exactly_the_trainable_weights(two_video_got10k):
    model, before, after, log_vars = _one_step(
        'stark_st1_r50_500e_got10k.py', two_video_got10k)
    assert set(log_vars) >= {'loss', 'loss_bbox', 'loss_iou'}
    assert all(np.isfinite(float(v)) for v in log_vars.values())
    changed = _changed(before, after)
    params = dict(model.named_parameters())
    trainable = {n for n, p in params.items() if p.requires_grad}
    # frozen as published: conv1 + layer1, every backbone BN (buffers),
    # and the score head (unused in stage 1)
    for name in before:
        frozen = (name.startswith(('backbone.conv1.', 'backbone.bn1.',
                                   'backbone.layer1.', 'head.cls_head.'))
                  or (name.startswith('backbone.') and '.bn' in name)
                  or (name.startswith('backbone.') and 'downsample.1' in name))
        if frozen:
            assert name not in changed, name
            assert name not in trainable, name
    assert not any(n.startswith('head.cls_head.') for n in trainable)
    # everything trainable moved ...
    assert trainable - changed == ZERO_GRAD_AT_FIRST_STEP, \
        sorted(trainable - changed)[:10]
    # ... and nothing else (no buffer changed: frozen BN statistics; the
    # corner head's BN running stats are the only buffers allowed to)
    others = changed - trainable
    assert all(n.startswith('head.bbox_head.') and
               ('running_' in n or 'num_batches_tracked' in n)
               for n in others), sorted(others)
    for prefix in ('backbone.layer2.', 'backbone.layer3.', 'neck.',
                   'head.transformer.', 'head.query_embedding.',
                   'head.bbox_head.'):
        assert any(n.startswith(prefix) for n in changed), prefix


def test_stage_two_step_moves_only_the_score_head(two_video_got10k):
    model, before, after, log_vars = _one_step(
        'stark_st2_r50_50e_got10k.py', two_video_got10k)
    assert set(log_vars) >= {'loss', 'loss_cls'}
    assert np.isfinite(float(log_vars['loss_cls']))
    changed = _changed(before, after)
    assert changed, 'the score head did not move'
    assert all(n.startswith('head.cls_head.') for n in changed), \
        sorted(changed)[:10]
    cls_params = {n for n, _ in model.named_parameters()
                  if n.startswith('head.cls_head.')}
    assert cls_params <= changed
    # official: the frozen parts stay in train mode (transformer dropout on)
    assert model.head.transformer.training and model.head.cls_head.training
