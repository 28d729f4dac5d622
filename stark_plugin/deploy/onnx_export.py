"""ONNX export of STARK (``tools/deployment/export_onnx.py``).

Two graphs with static crop sizes and a dynamic batch axis (one row per
target, so several targets still run in one call):

* ``template.onnx``: ``img (B, 3, T, T)`` float, ``mask (B, T, T)`` bool
  -> ``feat (B, Lt, C)``, ``feat_mask (B, Lt)`` bool, ``pos (B, Lt, C)``
  (backbone + neck + mask + positional encoding: the template branch);
* ``search.onnx``: ``search (B, 3, S, S)``, ``search_mask (B, S, S)`` and
  ``feat_i, mask_i, pos_i`` of each template ``i`` -> ``pred_boxes (B, Nq,
  4)`` (normalised cx, cy, w, h) and, for STARK-ST, ``pred_logits (B, Nq,
  1)`` (search branch + transformer + heads).

``meta.json`` records the sizes, the test settings and the normalisation.
"""
import copy
import os
import os.path as osp
from typing import Dict, List

import torch
from torch import Tensor, nn

from ..fileio.atomic import atomic_path, atomic_write_json
from ..models.backbones.repvgg import reparameterize
from ..models.fast_inference import fuse_conv_bn
from ..models.layers.tokens import FeatureTokens

__all__ = ['TEMPLATE_FILE', 'SEARCH_FILE', 'META_FILE', 'export_onnx']

TEMPLATE_FILE = 'template.onnx'
SEARCH_FILE = 'search.onnx'
META_FILE = 'meta.json'


class _TemplateGraph(nn.Module):

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, img: Tensor, mask: Tensor):
        tokens = self.model.extract_tokens(img, mask)
        return tokens.feat, tokens.mask, tokens.pos


class _SearchGraph(nn.Module):

    def __init__(self, model: nn.Module, num_templates: int,
                 template_hw) -> None:
        super().__init__()
        self.model = model
        self.num_templates = num_templates
        self.template_hw = tuple(template_hw)

    def forward(self, search: Tensor, search_mask: Tensor, *templates):
        parts = [
            FeatureTokens(templates[3 * i], templates[3 * i + 1],
                          templates[3 * i + 2], self.template_hw)
            for i in range(self.num_templates)
        ]
        tokens = self.model.extract_tokens(search, search_mask)
        outs = self.model.forward_head(parts, tokens)
        if 'pred_logits' in outs:
            return outs['pred_boxes'], outs['pred_logits']
        return outs['pred_boxes']


def _export_model(model: nn.Module) -> nn.Module:
    """Eval copy with BatchNorm folded and the data-dependent fast-path
    branches off (a traced graph must always take the masked path)."""
    net = copy.deepcopy(model).eval().float().cpu()
    for p in net.parameters():
        p.requires_grad_(False)
    reparameterize(net)  # RepVGG blocks (STARK-Lightning): one conv each
    fuse_conv_bn(net)
    for m in net.modules():
        if hasattr(m, 'fast_inference'):
            m.fast_inference = False
    return net


def export_onnx(model: nn.Module, out_dir: str, opset: int = 17,
                verbose: bool = False) -> Dict[str, str]:
    """Export the two graphs of ``model`` (a :class:`Stark`) to ``out_dir``.

    Returns:
        ``dict(template=path, search=path, meta=path)``.
    """
    cfg = model.test_cfg
    t_size, s_size = int(cfg['template_size']), int(cfg['search_size'])
    num_templates = model.num_templates
    net = _export_model(model)
    os.makedirs(out_dir, exist_ok=True)
    paths = dict(
        template=osp.join(out_dir, TEMPLATE_FILE),
        search=osp.join(out_dir, SEARCH_FILE),
        meta=osp.join(out_dir, META_FILE))

    g = torch.Generator().manual_seed(0)
    t_img = torch.randn(1, 3, t_size, t_size, generator=g)
    t_mask = torch.zeros(1, t_size, t_size, dtype=torch.bool)
    t_mask[:, :, :t_size // 8] = True  # a padded border: exercise masks
    s_img = torch.randn(1, 3, s_size, s_size, generator=g)
    s_mask = torch.zeros(1, s_size, s_size, dtype=torch.bool)
    s_mask[:, :s_size // 8] = True
    template = _TemplateGraph(net)
    with torch.no_grad():
        feat, fmask, pos = template(t_img, t_mask)
    batch = {0: 'batch'}
    _export(template, (t_img, t_mask), paths['template'],
            ['img', 'mask'], ['feat', 'feat_mask', 'pos'],
            {n: batch for n in ('img', 'mask', 'feat', 'feat_mask', 'pos')},
            opset, verbose)

    t_hw = (t_size // _stride(net), t_size // _stride(net))
    search = _SearchGraph(net, num_templates, t_hw)
    t_names = []
    for i in range(num_templates):
        t_names += [f'feat_{i}', f'mask_{i}', f'pos_{i}']
    inputs = (s_img, s_mask) + (feat, fmask, pos) * num_templates
    out_names = ['pred_boxes'] + \
        (['pred_logits'] if model.with_score_head else [])
    _export(search, inputs, paths['search'],
            ['search', 'search_mask'] + t_names, out_names,
            {n: batch for n in ['search', 'search_mask'] + t_names +
             out_names}, opset, verbose)

    pre = model.data_preprocessor
    meta = dict(
        test_cfg={k: v for k, v in cfg.items()},
        num_templates=num_templates,
        with_score_head=bool(model.with_score_head),
        template_size=t_size,
        search_size=s_size,
        template_hw=list(t_hw),
        mean=pre.mean.flatten().tolist(),
        std=pre.std.flatten().tolist(),
        opset=opset,
        torch=torch.__version__)
    atomic_write_json(paths['meta'], meta)
    return paths


def _stride(net: nn.Module) -> int:
    return int(getattr(net.head.bbox_head, 'stride', 16))


def _export(module: nn.Module, args: tuple, path: str,
            input_names: List[str], output_names: List[str],
            dynamic_axes: dict, opset: int, verbose: bool) -> None:
    with atomic_path(path, suffix='.onnx') as tmp, torch.no_grad():
        torch.onnx.export(
            module, args, tmp, input_names=input_names,
            output_names=output_names, dynamic_axes=dynamic_axes,
            opset_version=opset, do_constant_folding=True, dynamo=False,
            verbose=verbose)
