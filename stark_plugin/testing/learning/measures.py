"""What a learning run measures besides ``tools/test.py``: the "stay at
the first box" baseline and the score head on held-out samples."""
import random
from typing import Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from ...apis import init_model
from ...checkpoint.formats import read_stark_checkpoint
from ...registry import DATASETS, METRICS
from .user_tools import AUC_KEY


def static_auc(config: str, data_root: str) -> float:
    """Success AUC of predicting the first-frame box in every frame, scored
    by the config's test evaluator on its test videos."""
    cfg = Config.fromfile(config)
    ds_cfg = cfg.test_dataloader.dataset.copy()
    ds_cfg.update(data_root=data_root, pipeline=[])
    dataset = DATASETS.build(ds_cfg)
    metric = METRICS.build(cfg.test_evaluator)
    for i in range(dataset.num_videos):
        video = dataset.get_video(i)
        pred = np.repeat(video['gt_bboxes'][:1], len(video['gt_bboxes']), 0)
        metric.process(None, [dict(video, pred_bboxes=pred)])
    metrics = metric.compute_metrics(metric.results)
    return float(metrics[AUC_KEY.split('/', 1)[1]]) / 100.0


def _held_out_samples(dataset, num: int, seed: int) -> list:
    """``num`` samples of distinct keys (seed, 0, index); a negative whose
    search frame comes from the template's own video is skipped."""
    np.random.seed(seed)
    random.seed(seed)
    torch.manual_seed(seed)
    samples, key = [], 0
    while len(samples) < num:
        # distinct sample keys (seed, epoch, index): each draws its own
        # video, frames and positive / negative label
        data = dataset[(seed, 0, key)]
        key += 1
        sample = data['data_samples']
        source = sample.metainfo.get('search_source')
        if source is not None and int(sample.gt_label.item()) == 0 and \
                source.get('video_name') == sample.metainfo['video_name']:
            continue
        samples.append(data)
    return samples


#: the parameters and buffers of the STARK score head in a state dict
SCORE_HEAD_PREFIX = 'head.cls_head.'


def reset_parameters(model: torch.nn.Module, source: str,
                     prefix: str = SCORE_HEAD_PREFIX) -> int:
    """Copy the parameters under ``prefix`` from the checkpoint ``source``
    into ``model``, leaving its buffers (BatchNorm statistics) as they
    are; returns how many were copied. Raises ``KeyError`` naming a
    parameter the checkpoint lacks."""
    params = {n: p for n, p in model.named_parameters()
              if n.startswith(prefix)}
    if not params:
        raise KeyError(f'the model has no parameters under {prefix!r}')
    state = read_stark_checkpoint(source).state_dict
    missing = [n for n in params if n not in state]
    if missing:
        raise KeyError(f'{source} lacks {missing[:3]} to reset the score '
                       'head from')
    with torch.no_grad():
        for name, param in params.items():
            param.copy_(state[name])
    return len(params)


def _head_scores(model: torch.nn.Module, samples: list,
                 batch_size: int) -> Tuple[np.ndarray, np.ndarray]:
    scores, labels = [], []
    with torch.no_grad():
        for start in range(0, len(samples), batch_size):
            batch = pseudo_collate(samples[start:start + batch_size])
            batch = model.data_preprocessor(batch, False)
            out = model(batch['inputs'], batch['data_samples'],
                        mode='predict')
            for s in out:
                scores.append(float(s.pred_score))
                labels.append(int(s.gt_label.item()))
    return np.asarray(scores), np.asarray(labels)


def score_samples(config: str, checkpoint: str, data_root: str,
                  num: int, seed: int, split: str = 'val',
                  batch_size: int = 32,
                  control_from: Optional[str] = None
                  ) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """Score-head outputs and labels of ``num`` stage-2 training samples
    (the config's training pipeline, positives and negatives) drawn from
    the held-out ``split``; with ``control_from`` (the stage-1 checkpoint
    stage 2 started from) also the outputs of the control head: the same
    model with the score head's parameters as loaded from that checkpoint
    and its BatchNorm statistics as stage 2 estimated them, i.e. the head
    that a stage 2 without gradient updates leaves (else ``None``).

    A negative whose search frame is a frame of the template's own video
    (the official sampler allows it) is dropped: its label is ambiguous.
    """
    cfg = Config.fromfile(config)
    model = init_model(cfg, checkpoint, device='cpu')
    ds_cfg = cfg.train_dataloader.dataset.copy()
    ds_cfg.update(data_root=data_root, split=split)
    samples = _held_out_samples(DATASETS.build(ds_cfg), num, seed)
    scores, labels = _head_scores(model, samples, batch_size)
    control = None
    if control_from is not None:
        reset_parameters(model, control_from)
        control, _ = _head_scores(model, samples, batch_size)
    return scores, labels, control
