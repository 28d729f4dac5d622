"""Python entry points: build a STARK model and track targets."""
import copy
import os.path as osp
import time
from typing import List, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from mmengine.config import Config

from ..checkpoint.formats import read_stark_checkpoint
from ..checkpoint.loading import load_stark_checkpoint
from ..deploy.onnx_runtime import OnnxStarkModel
from ..models.fast_inference import prepare_for_inference
from ..models.trackers.stark_tracker import StarkTracker
from ..registry import MODELS
from ..setup_env import register_all_modules
from .model_zoo import config_for_checkpoint


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
               cfg_options: Optional[dict] = None,
               trust_config: bool = False) -> torch.nn.Module:
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
        trust_config: with ``config=None``, run the config text stored in
            the checkpoint as Python (as mmengine would). By default it is
            only parsed as data, and a stored config holding code raises
            :class:`~stark_plugin.errors.UntrustedConfigError`: only set
            this for a file you trust.

    Returns:
        The model in eval mode, with ``model.cfg`` set.
    """
    ckpt = None
    if checkpoint is not None:
        ckpt = read_stark_checkpoint(checkpoint)
    if config is None:
        if ckpt is None:
            raise ValueError('init_model needs a config or a checkpoint')
        config = config_for_checkpoint(ckpt, checkpoint, trust_config)
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
        ort_spinning: ONNX backends: let ONNX Runtime's threads spin-wait
            between runs. Off by default: spinning only pays on an idle,
            dedicated CPU and slows everything else on a shared one
            (:func:`stark_plugin.deploy.onnx_runtime.session_options`).

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
                 fast: bool = True,
                 ort_spinning: bool = False) -> None:
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
            if onnx_dir is None:
                raise ValueError(f'backend="{backend}" needs onnx_dir (the '
                                 '--out folder of export_onnx.py)')
            net = OnnxStarkModel(onnx_dir, model,
                                 int8=backend == 'onnxruntime-int8',
                                 ort_spinning=ort_spinning)
        if backend == 'torch-bf16':
            autocast_dtype = torch.bfloat16
        if fast and backend not in ONNX_BACKENDS:
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
