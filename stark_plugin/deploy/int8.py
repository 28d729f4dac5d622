"""int8 graphs for the ``onnxruntime-int8`` backend (static QDQ
quantization with ONNX Runtime).

The search graph (search branch + transformer + heads: the per-frame work)
is quantized statically in the QDQ format: weights int8 per output channel
(symmetric), activations uint8 with ranges calibrated (min / max) on the
search-graph inputs of tracking a generated sequence with the float graphs.
The template graph (run once per template) stays float32. By default only
the convolutions of the backbone and neck are quantized: on the AVX2 CPU
this was measured on, int8 matrix products of the transformer were no
faster than float32 and cost accuracy, and the heads and the first
convolution stay float (:data:`DEFAULT_FLOAT_PREFIXES`; see docs/speed.md).

Command: ``tools/deployment/export_onnx.py CONFIG CKPT --out DIR --int8
[--calib-frames N] [--int8-ops Conv MatMul]``.
"""
import os
import os.path as osp
import shutil
import tempfile
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from torch import nn

from ..datasets.synthetic import render_video
from ..fileio.atomic import atomic_path, atomic_write_json
from ..models.layers.tokens import FeatureTokens
from ..models.trackers.stark_tracker import StarkTracker
from .onnx_export import META_FILE, SEARCH_FILE, TEMPLATE_FILE, export_onnx
from .onnx_runtime import OnnxStarkModel

#: operators quantized by default (see the module docstring).
DEFAULT_INT8_OPS = ('Conv', )
#: operators that may be quantized.
INT8_OPS = ('Conv', 'MatMul', 'Gemm')
#: nodes kept float by default: the box and score heads (the corner
#: score maps feed a soft-argmax: their error moves boxes most) and the
#: backbone's first convolution (3 input channels); together about 8 % of
#: the step's FLOPs for R50. Measured on the tiny trained model: open-loop
#: mean IoU to fp32 0.91 / 0.94 with every convolution quantized, 0.95 /
#: 0.98 with these float (two generated sequences).
DEFAULT_FLOAT_PREFIXES = ('/head/', '/backbone/conv1/', '/backbone/stem')


class _RecordingOnnxModel(OnnxStarkModel):
    """The float graphs, recording every search-graph input they run."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.feeds: List[Dict[str, np.ndarray]] = []

    def forward_head(self, templates: Sequence[FeatureTokens],
                     search: FeatureTokens, **kwargs):
        self.feeds.append(self.search_feed(templates, search))
        return super().forward_head(templates, search, **kwargs)


def calibration_feeds(onnx_dir: str, model: Optional[nn.Module] = None,
                      num_frames: int = 32, seed: int = 0,
                      frame_size: Tuple[int, int] = (640, 480),
                      int8: Optional[bool] = False
                      ) -> List[Dict[str, np.ndarray]]:
    """Search-graph inputs of tracking a generated sequence (the 'rich'
    synthetic style: scale changes, blur, border crossings, look-alikes)
    with the graphs in ``onnx_dir`` (float ones unless ``int8`` is None or
    True): real crops, masks and template tokens, one feed per frame."""
    if num_frames < 1:
        raise ValueError(f'calibration needs >= 1 frame, got {num_frames}')
    frames, boxes, *_ = render_video(
        np.random.default_rng(seed), num_frames + 1, size=frame_size,
        with_absence=False, style='rich')
    net = _RecordingOnnxModel(onnx_dir, model, int8=int8)
    tracker = StarkTracker(net)
    state = tracker.init(cv2.cvtColor(frames[0], cv2.COLOR_BGR2RGB),
                         boxes[0])
    for frame in frames[1:]:
        tracker.track(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), state)
    return net.feeds


def _float_nodes(model_path: str, prefixes: Sequence[str] = ()
                 ) -> List[str]:
    """Nodes kept in float: MatMul nodes whose second input is not a
    weight (attention ``Q K^T`` and ``A V``) and nodes whose name starts
    with one of ``prefixes`` (e.g. ``/head/bbox_head/``)."""
    import onnx
    graph = onnx.load(model_path, load_external_data=False).graph
    weights = {i.name for i in graph.initializer}
    return [n.name for n in graph.node
            if (n.op_type == 'MatMul' and n.input[1] not in weights)
            or (prefixes and n.name.startswith(tuple(prefixes)))]


def quantize_search_graph(src: str, dst: str,
                          feeds: Sequence[Dict[str, np.ndarray]],
                          op_types: Sequence[str] = DEFAULT_INT8_OPS,
                          float_prefixes: Sequence[str] = (
                              DEFAULT_FLOAT_PREFIXES)) -> None:
    """Static QDQ quantization of a float search graph ``src`` to ``dst``
    with ranges calibrated on ``feeds``; nodes whose names start with one
    of ``float_prefixes`` stay float."""
    from onnxruntime.quantization import (CalibrationDataReader,
                                          CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    bad = [op for op in op_types if op not in INT8_OPS]
    if bad or not op_types:
        raise ValueError(f'int8 operators must be a non-empty subset of '
                         f'{INT8_OPS}, got {list(op_types)}')
    if not feeds:
        raise ValueError('no calibration inputs')

    class _Reader(CalibrationDataReader):

        def __init__(self) -> None:
            self._it = iter(feeds)

        def get_next(self):
            return next(self._it, None)

    with tempfile.TemporaryDirectory() as tmp:
        pre = osp.join(tmp, 'pre.onnx')
        quant_pre_process(src, pre, skip_symbolic_shape=True)
        with atomic_path(dst, suffix='.onnx') as out:
            quantize_static(
                pre, out, _Reader(), quant_format=QuantFormat.QDQ,
                op_types_to_quantize=list(op_types),
                nodes_to_exclude=_float_nodes(pre, float_prefixes),
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8, per_channel=True,
                calibrate_method=CalibrationMethod.MinMax,
                extra_options=dict(WeightSymmetric=True,
                                   ActivationSymmetric=False))


def export_int8(model: nn.Module, out_dir: str,
                calib_frames: int = 32,
                op_types: Sequence[str] = DEFAULT_INT8_OPS,
                opset: int = 17,
                float_dir: Optional[str] = None,
                log: Callable[[str], None] = lambda msg: None
                ) -> Dict[str, str]:
    """Export ``model`` (a :class:`Stark`) to ``out_dir`` as the graphs of
    the ``onnxruntime-int8`` backend: float template graph, int8 search
    graph calibrated on ``calib_frames`` tracked frames, ``meta.json`` with
    a ``quantization`` entry. ``float_dir``: float graphs of ``model``
    already exported there (default: export them to a temporary folder).

    Returns:
        ``dict(template=path, search=path, meta=path)``.
    """
    import json
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if float_dir is None:
            float_paths = export_onnx(model, tmp, opset=opset)
            float_dir = tmp
        else:
            float_paths = {k: osp.join(float_dir, f) for k, f in (
                ('template', TEMPLATE_FILE), ('search', SEARCH_FILE),
                ('meta', META_FILE))}
        log(f'float graphs ready; calibrating on {calib_frames} '
            'tracked frames')
        feeds = calibration_feeds(float_dir, model, num_frames=calib_frames)
        paths = dict(template=osp.join(out_dir, TEMPLATE_FILE),
                     search=osp.join(out_dir, SEARCH_FILE),
                     meta=osp.join(out_dir, META_FILE))
        quantize_search_graph(float_paths['search'], paths['search'], feeds,
                              op_types, DEFAULT_FLOAT_PREFIXES)
        shutil.copyfile(float_paths['template'], paths['template'])
        with open(float_paths['meta']) as f:
            meta = json.load(f)
    meta['quantization'] = dict(
        graphs=['search'], format='QDQ', op_types=list(op_types),
        float_prefixes=list(DEFAULT_FLOAT_PREFIXES),
        weights='int8 per channel, symmetric',
        activations='uint8, min/max calibration',
        calib_frames=int(calib_frames))
    atomic_write_json(paths['meta'], meta)
    return paths


def check_int8_parity(model: nn.Module, onnx_dir: str, num_frames: int = 16,
                      seed: int = 1) -> Dict[str, float]:
    """Max abs difference between the int8 search graph in ``onnx_dir``
    and PyTorch (``model``, float32) on the same inputs: the crops of a
    generated sequence (another seed than the calibration's) tracked with
    the int8 graphs. Keys ``pred_boxes`` (normalised cx, cy, w, h) and,
    with a score head, ``scores`` (sigmoid of the logits)."""
    import torch
    feeds = calibration_feeds(onnx_dir, model, num_frames, seed=seed,
                              int8=True)
    ort_model = OnnxStarkModel(onnx_dir, model, int8=True)
    hw = ort_model.template_hw
    device = next(model.parameters()).device
    diffs: Dict[str, float] = {}
    model.eval()
    for feed in feeds:
        outs = ort_model.search_session.run(None, feed)
        with torch.no_grad():
            templates = [
                FeatureTokens(*(torch.from_numpy(feed[f'{k}_{i}']).to(device)
                                for k in ('feat', 'mask', 'pos')), hw)
                for i in range(ort_model.num_templates)
            ]
            search = model.extract_tokens(
                torch.from_numpy(feed['search']).to(device),
                torch.from_numpy(feed['search_mask']).to(device))
            ref = model.forward_head(templates, search)
        pairs = [('pred_boxes', ref['pred_boxes'].float().cpu().numpy(),
                  outs[0])]
        if len(outs) > 1:  # scores as the tracker uses them (sigmoid)
            pairs.append(('scores',
                          ref['pred_logits'].float().sigmoid().cpu().numpy(),
                          1.0 / (1.0 + np.exp(-outs[1]))))
        for name, a, b in pairs:
            d = float(np.abs(a - b).max())
            diffs[name] = max(diffs.get(name, 0.0), d)
    return diffs
