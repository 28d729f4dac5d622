"""The parts of one tracking step, timed on the same inputs: crop and
preprocessing, the template branch (naive path), backbone, transformer,
heads (or the ONNX search graph as a whole), postprocessing.

The transformer and head parts call the head's own stage methods
(``forward_transformer`` / ``forward_heads`` of :class:`StarkHead`,
``forward_encoder`` / ``forward_box_head`` of
:class:`StarkLightningHead`), whose composition is the head's forward.
"""
import contextlib
from typing import Callable, ContextManager, Dict, Sequence, Tuple

import cv2
import numpy as np
import torch

from stark_plugin.apis.inference import SOTInferencer
from stark_plugin.models.layers.tokens import FeatureTokens
from stark_plugin.models.trackers.stark_tracker import (StarkTracker,
                                                        decode_pred_box,
                                                        map_box_back)
from stark_plugin.structures.bbox import clip_box
from .timing import time_fn


def head_stages(head: torch.nn.Module, tokens: FeatureTokens,
                context: Callable[[], ContextManager] = contextlib.nullcontext
                ) -> Tuple[Callable, Callable]:
    """``(transformer, heads)``: callables of the two stages of ``head`` on
    ``tokens``, each run inside ``context()`` (e.g. the tracker's
    autocast): encoder-decoder and box + score heads (STARK-S/ST), or the
    lite encoder and the corner head (STARK-Lightning). They call the
    head's own stage methods, whose composition is its forward."""
    if hasattr(head, 'forward_encoder'):  # STARK-Lightning

        def encoder():
            with context():
                return head.forward_encoder(tokens)['memory']

        memory = encoder()

        def corner_head():
            with context():
                return head.forward_box_head(memory, tokens.hw)

        return encoder, corner_head

    def transformer():
        with context():
            return head.forward_transformer(tokens)

    hs, memory = transformer()

    def heads():
        with context():
            return head.forward_heads(hs, memory, tokens.hw)

    return transformer, heads


def _network_parts(tracker: StarkTracker, state, img: torch.Tensor,
                   mask: torch.Tensor, device: torch.device,
                   repeats: int) -> Tuple[Dict[str, dict], dict]:
    """Timings of the template branch (naive path only), the backbone,
    transformer and heads (or the ONNX search graph as ``network``), and
    the outputs of the network on the search crop."""
    net = tracker.model
    parts = {}
    templates = [tracker.template_tokens(t) for t in state.templates]
    if not tracker.cache_templates:
        parts['template_branch'] = time_fn(
            lambda: [tracker.template_tokens(t) for t in state.templates],
            device, repeats)
    search = tracker.extract_tokens(img, mask)
    if hasattr(net, 'head'):
        parts['backbone'] = time_fn(
            lambda: tracker.extract_tokens(img, mask), device, repeats)
        tokens = FeatureTokens.cat(templates + [search])
        transformer, heads = head_stages(net.head, tokens,
                                         tracker._autocast)
        parts['transformer'] = time_fn(transformer, device, repeats)
        parts['heads'] = time_fn(heads, device, repeats)
    else:
        parts['network'] = time_fn(
            lambda: net.forward_head(templates, search), device, repeats)
    with tracker._autocast():
        outs = net.forward_head(templates, search)
    return parts, outs


def step_parts(inferencer: SOTInferencer, frame_bgr: np.ndarray,
               box: Sequence[float], device: torch.device,
               repeats: int) -> Dict[str, Dict[str, float]]:
    """Time the parts of one tracking step on the same inputs.

    ``preprocess``: BGR->RGB, search crop, tensor, normalisation;
    ``template_branch`` (naive path only: the template branch it reruns
    each frame); ``backbone``: search branch (backbone, neck, mask,
    positional encoding); ``transformer``; ``heads`` (box + score head);
    ``network`` (onnxruntime: the search graph = backbone + transformer +
    heads); ``postprocess``: decode, map back, clip.
    """
    tracker = inferencer.tracker
    state = tracker.init(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB), box)

    def preprocess():
        rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        return tracker.crop(rgb, box, tracker.search_factor,
                            tracker.search_size)

    img, mask, resize = preprocess()
    with tracker._grad_mode():
        parts = dict(preprocess=time_fn(preprocess, device, repeats))
        network, outs = _network_parts(tracker, state, img, mask, device,
                                       repeats)
        parts.update(network)
    pred = outs['pred_boxes'].float().cpu()
    img_h, img_w = frame_bgr.shape[:2]

    def postprocess():
        p = decode_pred_box(pred[0], tracker.search_size, resize)
        return clip_box(
            map_box_back(p, box, tracker.search_size, resize), img_h, img_w,
            margin=tracker.clip_margin)

    parts['postprocess'] = time_fn(postprocess, device, repeats)
    return parts
