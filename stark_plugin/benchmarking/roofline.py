"""Roofline view of the tracking step (``tools/analysis/benchmark.py``).

* :func:`peak_probe`: the best throughput this machine reaches with the
  threads in use on three dense kernels (fp32 and bf16 matrix products, an
  fp32 3x3 convolution), in GFLOP/s;
* :func:`step_flops`: the FLOPs of each part of the tracking step, counted
  with :class:`torch.utils.flop_counter.FlopCounterMode` on the model
  (multiply-add = 2 FLOPs; attention counted as its two matrix products);
* :func:`add_roofline`: achieved GFLOP/s of each timed part and its fraction
  of the probe's peak for the backend's number format.
"""
import math
import time
from typing import Callable, Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn

from stark_plugin.models.fast_inference import prepare_for_inference
from stark_plugin.models.layers.tokens import FeatureTokens
from .parts import head_stages

#: probe used as the peak of each backend's number format: the best of the
#: fp32 probes for float32 backends, the bf16 matrix product for bf16; int8
#: has no probe and is compared with the fp32 peak (> 100 % is possible).
BACKEND_PEAK = {
    'naive': 'fp32', 'torch': 'fp32', 'onnxruntime': 'fp32',
    'torch-bf16': 'bf16', 'onnxruntime-int8': 'fp32'
}


def _sdpa_flops(query, key, value, *args, out_shape=None, **kwargs) -> int:
    """``Q K^T`` and ``A V`` of scaled dot-product attention (shapes)."""
    rows = math.prod(query[:-2])
    return 2 * rows * query[-2] * key[-2] * (query[-1] + value[-1])


def count_flops(fn: Callable[[], object]) -> int:
    """FLOPs of one call of ``fn`` (matrix products, convolutions,
    attention)."""
    from torch.utils.flop_counter import FlopCounterMode
    op = torch.ops.aten.scaled_dot_product_attention
    with FlopCounterMode(display=False,
                         custom_mapping={op: _sdpa_flops,
                                         op.default: _sdpa_flops}) as fc:
        fn()
    return int(fc.get_total_flops())


def _best_rate(fn: Callable[[], object], flops: float, repeats: int,
               budget_s: float) -> float:
    """GFLOP/s of the fastest of up to ``repeats`` calls (fewer when
    they exceed ``budget_s``; a slow kernel still gets one timed call)."""
    fn()  # warm-up: kernel choice, packing
    best, spent = float('inf'), 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        took = time.perf_counter() - start
        best, spent = min(best, took), spent + took
        if spent > budget_s:
            break
    return flops / best / 1e9


def peak_probe(repeats: int = 5, size: int = 1024,
               budget_s: float = 0.5) -> Dict[str, float]:
    """Best GFLOP/s of up to ``repeats`` calls (``budget_s`` each probe)
    with the current torch threads: ``fp32_matmul`` (``F.linear`` as the
    model's layers call it, ``size``-square matrices), ``bf16_matmul``
    (half the size: CPUs without bf16 instructions run it far slower),
    ``conv3x3_fp32`` (256 -> 256 channels, 40x40, channels last);
    ``fp32`` and ``bf16``: the peak of
    each number format."""
    g = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=g)
    b = torch.randn(size, size, generator=g)
    mm_flops = 2.0 * size ** 3
    half = size // 2
    a16 = a[:half, :half].bfloat16()
    b16 = b[:half, :half].bfloat16()
    x = torch.randn(1, 256, 40, 40, generator=g).contiguous(
        memory_format=torch.channels_last)
    w = torch.randn(256, 256, 3, 3, generator=g).contiguous(
        memory_format=torch.channels_last)
    conv_flops = 2.0 * 256 * 256 * 9 * 40 * 40
    with torch.inference_mode():
        probe = dict(
            fp32_matmul=_best_rate(lambda: F.linear(a, b), mm_flops, repeats,
                                   budget_s),
            bf16_matmul=_best_rate(lambda: F.linear(a16, b16), 2.0 * half ** 3,
                                   repeats, budget_s),
            conv3x3_fp32=_best_rate(lambda: F.conv2d(x, w, padding=1),
                                    conv_flops, repeats, budget_s))
    probe['fp32'] = max(probe['fp32_matmul'], probe['conv3x3_fp32'])
    probe['bf16'] = probe['bf16_matmul']
    probe['threads'] = torch.get_num_threads()
    return probe


def step_flops(model: nn.Module, targets: int = 1) -> Dict[str, float]:
    """GFLOP of each part of one tracking step of ``model`` (a
    :class:`Stark`, float32) for ``targets`` targets: ``template_branch``
    (all templates), ``backbone`` (search branch), ``transformer``,
    ``heads``; ``network`` = backbone + transformer + heads (the search
    graph of the ONNX backends); ``step`` = network (``naive_step``: plus
    the template branch the naive path reruns each frame)."""
    net = prepare_for_inference(model)
    cfg = model.test_cfg
    t_size, s_size = int(cfg['template_size']), int(cfg['search_size'])
    device = next(net.parameters()).device

    def crop(size: int):
        return (torch.zeros(targets, 3, size, size, device=device),
                torch.zeros(targets, size, size, dtype=torch.bool,
                            device=device))

    flops: Dict[str, float] = {}
    with torch.inference_mode():
        t_img, t_mask = crop(t_size)
        flops['template_branch'] = net.num_templates * count_flops(
            lambda: net.extract_tokens(t_img, t_mask))
        template = net.extract_tokens(t_img, t_mask)
        s_img, s_mask = crop(s_size)
        flops['backbone'] = count_flops(
            lambda: net.extract_tokens(s_img, s_mask))
        search = net.extract_tokens(s_img, s_mask)
        tokens = FeatureTokens.cat([template] * net.num_templates +
                                   [search])
        transformer, heads = head_stages(net.head, tokens)
        flops['transformer'] = count_flops(transformer)
        flops['heads'] = count_flops(heads)
        flops['network'] = flops['backbone'] + flops['transformer'] + \
            flops['heads']
    gflop = {k: v / 1e9 for k, v in flops.items()}
    gflop['step'] = gflop['network']
    gflop['naive_step'] = gflop['network'] + gflop['template_branch']
    return gflop


def add_roofline(results: Dict[str, dict], gflop: Dict[str, float],
                 probe: Dict[str, float]) -> None:
    """Add ``gflop``, ``gflops`` and ``peak_fraction`` to each timed part
    (and the whole step) of each path in ``results`` (in place)."""
    for name, entry in results.items():
        peak = probe.get(BACKEND_PEAK.get(name, 'fp32'), 0.0)
        entry['peak_gflops'] = peak
        for part, timing in entry.get('parts', {}).items():
            _rate(timing, gflop.get(part), peak)
        if 'step' in entry:
            _rate(entry['step'], gflop['naive_step' if name == 'naive'
                                       else 'step'], peak)


def _rate(timing: dict, gflop: Optional[float], peak: float) -> None:
    if not gflop:
        return
    timing['gflop'] = gflop
    timing['gflops'] = gflop / (timing['median_ms'] / 1e3)
    timing['peak_fraction'] = timing['gflops'] / peak if peak else None
