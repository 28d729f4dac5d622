"""Batching and normalisation of STARK inputs."""
from typing import Dict, Sequence

import torch
from mmengine.model import BaseDataPreprocessor
from torch import Tensor

from stark_plugin.registry import MODELS
from stark_plugin.structures.sot_batch import (BATCH_FIELDS,
                                               restore_batch_fields,
                                               unpack_batch)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _stacked(tensors) -> Tensor:
    """A batch tensor (as stacked by ``sot_collate``) or a list of
    per-sample tensors (``pseudo_collate``) as one tensor."""
    if isinstance(tensors, Tensor):
        return tensors
    return torch.stack(list(tensors))


def _field(fields: dict, key: str, samples) -> Tensor:
    """Data field ``key`` of all samples as one tensor (already stacked
    by ``sot_collate``, else stacked here)."""
    if key in fields:
        return fields[key]
    return torch.stack([s.get(key) for s in samples])


@MODELS.register_module()
class StarkDataPreprocessor(BaseDataPreprocessor):
    """Stack template/search crops, BGR->RGB, normalise, stack masks.

    Normalisation of batches (:meth:`forward`) is the official training
    transform: ``ToTensorAndJitter`` scales each crop by its brightness
    factor ``b`` (``data_sample.brightness``, 1 without one) as
    ``clamp(img * float32(b / 255), 0, 1)``, then ``Normalize`` computes
    ``(x - mean) / std`` in float32 with ImageNet mean/std in RGB order.
    :meth:`normalize` is the test-time tracker's official ``Preprocessor``,
    ``(img / 255.0 - mean) / std`` (the two differ in the last float32 bit,
    as in the official code).

    Input of :meth:`forward`: ``dict(inputs=[dict(template=uint8 (T, 3, Ht,
    Wt), search=uint8 (1, 3, Hs, Ws)), ...], data_samples=[SOTDataSample,
    ...])`` (crops in BGR order as mmcv loads them), mmengine's
    ``pseudo_collate`` of it, or the stacked batch of
    :func:`~stark_plugin.datasets.collate.sot_collate`, packed into one
    block by a data worker or not (the same tensors after
    :func:`~stark_plugin.structures.sot_batch.unpack_batch` and
    :func:`~stark_plugin.structures.sot_batch.restore_batch_fields`).
    Output:
    ``dict(inputs=dict(template=(B, T, 3, Ht, Wt), template_mask=(B, T, Ht,
    Wt), search=(B, 1, 3, Hs, Ws), search_mask=(B, 1, Hs, Ws)),
    data_samples=...)``.

    Args:
        mean: RGB mean in [0, 1] units.
        std: RGB std in [0, 1] units.
        bgr_to_rgb: flip the channels of the batched crops (True for
            mmcv-loaded images).
    """

    def __init__(self,
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD,
                 bgr_to_rgb: bool = True,
                 non_blocking: bool = False) -> None:
        super().__init__(non_blocking=non_blocking)
        self.bgr_to_rgb = bgr_to_rgb
        self.register_buffer(
            'mean', torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1),
            persistent=False)
        self.register_buffer(
            'std', torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1),
            persistent=False)

    def normalize(self, img: Tensor) -> Tensor:
        """``(N, 3, H, W)`` RGB uint8 (or float 0..255) -> network input."""
        img = img.to(self.mean.device).float()
        return ((img / 255.0) - self.mean) / self.std

    def forward(self, data: dict, training: bool = False) -> Dict:
        data = unpack_batch(self.cast_data(data))
        inputs, samples = data['inputs'], data.get('data_samples')
        fields = data.get(BATCH_FIELDS) or {}
        if fields:  # sot_collate: fields stacked apart
            samples = restore_batch_fields(list(samples), fields)
        if isinstance(inputs, dict):  # pseudo_collate lists / sot_collate
            template = _stacked(inputs['template'])
            search = _stacked(inputs['search'])
        else:
            template = torch.stack([d['template'] for d in inputs])
            search = torch.stack([d['search'] for d in inputs])
        if search.dim() == 4:  # (B, 3, H, W) -> (B, 1, 3, H, W)
            search = search[:, None]
        if self.bgr_to_rgb:
            template = template.flip(2)
            search = search.flip(2)
        scale = self._brightness_scale(samples, template.shape[:2],
                                       template.device)
        out = dict(
            template=self._normalize_5d(template, scale[:, :-1]),
            search=self._normalize_5d(search, scale[:, -1:]))
        if samples is not None:
            out['template_mask'] = _field(fields, 'template_masks',
                                          samples).to(torch.bool)
            search_mask = _field(fields, 'search_mask', samples)
            if search_mask.dim() == 3:
                search_mask = search_mask[:, None]
            out['search_mask'] = search_mask.to(torch.bool)
        else:
            out['template_mask'] = torch.zeros(
                template.shape[:2] + template.shape[3:],
                dtype=torch.bool, device=template.device)
            out['search_mask'] = torch.zeros(
                search.shape[:2] + search.shape[3:],
                dtype=torch.bool, device=search.device)
        return dict(inputs=out, data_samples=samples)

    @staticmethod
    def _brightness_scale(samples, template_shape, device) -> Tensor:
        """``(B, T + 1)`` float32 factors ``b / 255`` (templates, search).
        """
        b, t = template_shape
        factors = torch.ones(b, t + 1, dtype=torch.float64)
        for i, sample in enumerate(samples or []):
            if 'brightness' in sample:
                factors[i] = torch.as_tensor(sample.brightness,
                                             dtype=torch.float64).cpu()
        return (factors / 255.0).to(torch.float32).to(device)

    def _normalize_5d(self, imgs: Tensor, scale: Tensor) -> Tensor:
        """Official training normalisation of ``(B, T, 3, H, W)`` crops with
        per-crop factors ``scale`` ``(B, T)`` (``b / 255``)."""
        x = imgs.to(self.mean.device).float() * scale[:, :, None, None, None]
        x = x.clamp(0.0, 1.0)
        return (x - self.mean[None]) / self.std[None]
