"""Python entry points: build a STARK model and track targets."""
import copy
import os.path as osp
import time
from typing import TYPE_CHECKING, List, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import print_log

from stark_plugin.registry import MODELS

if TYPE_CHECKING:
    from stark_plugin.models.checkpoint_formats import StarkCheckpoint


class CheckpointMismatchError(RuntimeError):
    """A checkpoint whose keys or shapes do not fit the model."""


def _first(keys: Sequence[str], n: int = 10) -> str:
    more = f' ... ({len(keys)} in all)' if len(keys) > n else ''
    return ', '.join(list(keys)[:n]) + more


def _checkpoint_model_mismatch(model: torch.nn.Module, ckpt,
                               checkpoint: str) -> Optional[str]:
    """One line when ``ckpt`` holds another STARK model than ``model``
    (S50 weights with an ST config, R101 with R50, ...), else None."""
    from stark_plugin.models.checkpoint_formats import model_name
    stark_keys = ('head.transformer.', 'head.encoder.')
    own, theirs = model.state_dict(), ckpt.state_dict
    if not (any(k.startswith(stark_keys) for k in own)
            and any(k.startswith(stark_keys) for k in theirs)):
        return None  # not two STARK models: the key check names the keys
    want, have = model_name(own), ckpt.model_name()
    if want == have:
        return None
    cfg = getattr(model, 'cfg', None)
    config = getattr(cfg, 'filename', None) or 'the config'
    hint = ''
    own_cls = any(k.startswith('head.cls_head.') for k in own)
    their_cls = any(k.startswith('head.cls_head.') for k in theirs)
    if own_cls != their_cls:
        hint = ('; the checkpoint has no score head (head.cls_head.*)'
                if own_cls else '; the config has no score head '
                '(head.cls_head.*)')
    return (f'{checkpoint} holds {have} weights ({ckpt.format} format) but '
            f'{config} builds {want}{hint}')


def load_stark_checkpoint(model: torch.nn.Module,
                          checkpoint: Union[str, 'StarkCheckpoint'],
                          map_location: str = 'cpu') -> dict:
    """Strictly load a STARK checkpoint of any known format into ``model``.

    Accepts this package's files (converted files and Runner checkpoints,
    ``state_dict`` + ``meta``), official researchmm/Stark ``.pth.tar`` and
    mmtracking 0.x checkpoints: the format is detected from the content,
    converted in memory and one line says so. Prefixes listed in
    ``meta['missing_prefixes']`` (the score head of an mmtracking stage-1
    checkpoint) may be absent.

    Args:
        checkpoint: a path, or a checkpoint already read by
            :func:`stark_plugin.models.read_stark_checkpoint`.

    Raises:
        FileNotFoundError: no such file.
        UnknownCheckpointFormatError: a file of no known format.
        CheckpointMismatchError: the checkpoint holds another model than
            the config builds, or missing / unexpected keys or shape
            mismatches, listing the first ones.
    """
    from stark_plugin.models.checkpoint_formats import read_stark_checkpoint
    if isinstance(checkpoint, str):
        ckpt = read_stark_checkpoint(checkpoint, map_location=map_location)
        name = checkpoint
    else:
        ckpt = checkpoint
        name = ckpt.path
    if ckpt.format != 'stark_plugin':
        print_log(f'{name}: {ckpt.describe()}, converted in memory',
                  logger='current')
    mismatch = _checkpoint_model_mismatch(model, ckpt, name)
    if mismatch:
        raise CheckpointMismatchError(mismatch)
    state_dict, meta = ckpt.state_dict, ckpt.meta
    own = model.state_dict()
    shape_errors = [
        f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}'
        for k, v in state_dict.items()
        if k in own and hasattr(v, 'shape') and v.shape != own[k].shape
    ]
    if shape_errors:
        raise CheckpointMismatchError(
            f'{name}: {len(shape_errors)} shape mismatch(es): '
            f'{_first(shape_errors, 5)}')
    result = model.load_state_dict(state_dict, strict=False)
    allowed = tuple(meta.get('missing_prefixes', ()))
    missing = [k for k in result.missing_keys
               if not (allowed and k.startswith(allowed))]
    unexpected = list(result.unexpected_keys)
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f'{len(missing)} missing key(s): {_first(missing)}')
        if unexpected:
            parts.append(f'{len(unexpected)} unexpected key(s): '
                         f'{_first(unexpected)}')
        raise CheckpointMismatchError(
            f'{name} does not fit the model: ' + '; '.join(parts))
    return meta


def _load_config(config: Union[str, Config]) -> Config:
    if isinstance(config, str):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file not found: {config}')
        return Config.fromfile(config)
    if isinstance(config, Config):
        return copy.deepcopy(config)
    raise TypeError('config must be a path or an mmengine Config, got '
                    f'{type(config).__name__}')


def init_model(config: Union[str, Config, None] = None,
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build a STARK model from a config file (and load a checkpoint).

    Args:
        config: config path or :class:`mmengine.Config`; None: the config
            that fits ``checkpoint`` (see
            :func:`stark_plugin.apis.model_zoo.config_for_checkpoint`).
        checkpoint: checkpoint of any known format (this package's,
            official ``.pth.tar``, mmtracking), loaded strictly.
        device: torch device.
        cfg_options: overrides merged into the config
            (``{'model.test_cfg.update_intervals': [25]}``).

    Returns:
        The model in eval mode, with ``model.cfg`` set.
    """
    from stark_plugin.utils import register_all_modules
    ckpt = None
    if checkpoint is not None:
        from stark_plugin.models.checkpoint_formats import \
            read_stark_checkpoint
        ckpt = read_stark_checkpoint(checkpoint)
    if config is None:
        if ckpt is None:
            raise ValueError('init_model needs a config or a checkpoint')
        from .model_zoo import config_for_checkpoint
        config = config_for_checkpoint(ckpt, checkpoint)
    config = _load_config(config)
    if cfg_options:
        config.merge_from_dict(cfg_options)
    if 'model' not in config:
        raise KeyError(f'config {config.filename} has no "model"')
    register_all_modules(init_default_scope=True)
    model_cfg = copy.deepcopy(config.model)
    # weights come from the checkpoint: skip downloads of pretrained inits
    if checkpoint is not None and isinstance(model_cfg.get('backbone'), dict):
        model_cfg['backbone'].pop('init_cfg', None)
    model = MODELS.build(model_cfg)
    model.cfg = config
    if ckpt is not None:
        load_stark_checkpoint(model, ckpt)
    model.to(device)
    model.eval()
    return model


#: inference backends of :class:`SOTInferencer`.
BACKENDS = ('torch', 'torch-bf16', 'onnxruntime', 'onnxruntime-int8')
#: backends that run exported ONNX graphs (need ``onnx_dir``).
ONNX_BACKENDS = ('onnxruntime', 'onnxruntime-int8')


class SOTInferencer:
    """Track one or more targets through BGR uint8 frames (as OpenCV
    reads them).

    Frames are converted to RGB (the official tracker's input); the
    tracking logic is :class:`stark_plugin.models.StarkTracker`. All
    targets of a frame run in one batched forward
    (:meth:`StarkTracker.track_batch`).

    Args:
        model: a STARK model (:func:`init_model`). For ``backend='torch'``
            and ``'torch-bf16'`` the lean path runs on an eval copy with
            BatchNorm folded into the convolutions
            (:func:`stark_plugin.models.prepare_for_inference`); ``model``
            itself is not modified. For the ONNX backends it provides the
            test settings.
        backend: ``'torch'`` (fp32), ``'torch-bf16'`` (autocast bf16, CPU or
            CUDA), ``'onnxruntime'`` (graphs of
            ``tools/deployment/export_onnx.py`` in ``onnx_dir``) or
            ``'onnxruntime-int8'`` (graphs of ``export_onnx.py --int8``:
            int8 search graph, calibrated).
        onnx_dir: folder of the exported graphs (ONNX backends only).
        cache_templates: run the template branch once per template
            (default: ``model.test_cfg['cache_templates']``).
        fast: the lean tracking step (BN folding, cached positional
            encodings, fused attention). ``fast=False`` together with
            ``cache_templates=False`` is the naive path of the original code
            (benchmark baseline); both give the same boxes.

    Example::

        model = init_model(cfg, ckpt)
        inferencer = SOTInferencer(model)
        inferencer.init(first_frame, [x, y, w, h])       # -> 0
        inferencer.init(first_frame, [x2, y2, w2, h2])   # -> 1
        for frame in frames:
            result = inferencer.track(frame)
            # dict(box=[x, y, w, h], score, time, targets=[dict(box, score),
            #      dict(box, score)]); box/score are those of target 0
    """

    def __init__(self, model: torch.nn.Module,
                 backend: str = 'torch',
                 onnx_dir: Optional[str] = None,
                 cache_templates: Optional[bool] = None,
                 *,
                 fast: bool = True) -> None:
        from stark_plugin.models.trackers import StarkTracker
        if backend not in BACKENDS:
            raise ValueError(f'backend must be one of {BACKENDS}, got '
                             f'{backend!r}')
        model.eval()
        self.model = model
        self.backend = backend
        self.fast = fast
        net = model
        autocast_dtype = None
        if backend in ONNX_BACKENDS:
            from .onnx_backend import OnnxStarkModel
            if onnx_dir is None:
                raise ValueError(f'backend="{backend}" needs onnx_dir (the '
                                 '--out folder of export_onnx.py)')
            net = OnnxStarkModel(onnx_dir, model,
                                 int8=backend == 'onnxruntime-int8')
        if backend == 'torch-bf16':
            autocast_dtype = torch.bfloat16
        if fast and backend not in ONNX_BACKENDS:
            from stark_plugin.models import prepare_for_inference
            net = prepare_for_inference(model, dtype=autocast_dtype)
        self.net = net
        self.tracker = StarkTracker(
            net, cache_templates=cache_templates, fast=fast,
            autocast_dtype=autocast_dtype)
        self.states: list = []
        self.last_result: Optional[dict] = None

    @staticmethod
    def _to_rgb(frame: np.ndarray) -> np.ndarray:
        if not (isinstance(frame, np.ndarray) and frame.ndim == 3
                and frame.shape[2] == 3 and frame.dtype == np.uint8):
            raise TypeError('expected a BGR (H, W, 3) uint8 frame, got '
                            f'{type(frame).__name__} '
                            f'{getattr(frame, "shape", None)} '
                            f'{getattr(frame, "dtype", None)}')
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    @property
    def state(self):
        """Tracker state of target 0 (None before the first ``init``)."""
        return self.states[0] if self.states else None

    @property
    def num_targets(self) -> int:
        return len(self.states)

    def init(self, frame: np.ndarray, box_xywh: Sequence[float]) -> int:
        """Add a target ``box_xywh`` (pixels) initialised on ``frame``;
        returns its index (0, 1, ...). It is tracked from the next
        ``track`` call on, together with the targets added before."""
        self.states.append(self.tracker.init(self._to_rgb(frame), box_xywh))
        return len(self.states) - 1

    def reset(self) -> None:
        """Drop all targets."""
        self.states = []
        self.last_result = None

    def track(self, frame: np.ndarray) -> dict:
        """Track every target into the next frame (one batched forward).

        Returns ``dict(box=[x, y, w, h], score=float, time=float,
        targets=[dict(box, score), ...])``: ``targets`` in ``init`` order,
        ``box`` / ``score`` those of target 0, ``time`` the seconds this
        call took. ``score`` is the sigmoid confidence (STARK-ST) or -1.0
        (STARK-S).
        """
        start = time.perf_counter()
        if not self.states:
            raise RuntimeError('call SOTInferencer.init(frame, box) first')
        results = self.tracker.track_batch(self._to_rgb(frame), self.states)
        targets = [
            dict(box=[float(v) for v in r['box']], score=float(r['score']))
            for r in results
        ]
        self.last_result = results[0]
        return dict(
            box=list(targets[0]['box']),
            score=targets[0]['score'],
            time=time.perf_counter() - start,
            targets=targets)

    @property
    def updated_frames(self) -> List[int]:
        """Frames whose ``track`` replaced a dynamic template (target 0)."""
        return list(self.states[0].updated_frames) if self.states else []
