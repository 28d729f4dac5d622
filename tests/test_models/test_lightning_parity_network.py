"""Network-level parity of STARK-Lightning with the official outputs, in
the official multi-branch form and reparameterised (``deploy_*`` arrays).

The model is built the way users build it: the manifest's weights saved as
an official ``.pth.tar``, converted by the converter CLI and loaded with
``init_model(config, checkpoint)``. Shapes come from the fixture files.
"""
import copy

import numpy as np
import pytest
import torch

from parity_fixtures import crop_names
from stark_plugin.models import reparameterize
from stark_plugin.models.layers.tokens import FeatureTokens

# tolerances of the reference README (STARK-Lightning section)
TOL = dict(img=1e-6, stage2=1e-3, backbone=1e-3, feat=1e-3, pos=1e-6,
           attn_out=0.05, other=2e-3, pred_boxes=5e-5)
ENCODER_ARRAYS = ('q', 'k', 'v', 'attn_out', 'norm1_out', 'ffn_out',
                  'memory')


def _max_diff(ours: torch.Tensor, ref: np.ndarray) -> float:
    ours = ours.detach().cpu().numpy()
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    return float(np.abs(ours.astype(np.float64) - ref).max())


def _check(diffs: dict, label: str) -> None:
    print(f'\n[lightning {label}] max abs differences:',
          {k: f'{v:.2e}' for k, v in diffs.items()})
    for key, value in diffs.items():
        kind = key.split('_', 1)[1] if key[:2] in ('z_', 'x_') else key
        kind = kind.replace('deploy_', '')
        assert value <= TOL.get(kind, TOL['other']), (key, value)


def _run(model, ref: dict, stages: bool = True):
    """Every intermediate output of ``model`` on the fixture's inputs."""
    outs, tokens = {}, []
    backbone = model.backbone
    saved = backbone.out_indices
    towers = []
    hooks = [
        model.head.bbox_head.conv_tower[i].register_forward_hook(
            lambda m, i, o: towers.append(o)) for i in (0, 1)
    ]
    try:
        with torch.no_grad():
            for n in crop_names(ref):
                img = torch.from_numpy(ref[f'{n}_img'])
                mask = torch.from_numpy(ref[f'{n}_mask'])
                if stages:
                    backbone.out_indices = (2, 3)
                    outs[f'{n}_stage2'], outs[f'{n}_backbone'] = \
                        backbone(img)
                    backbone.out_indices = saved
                else:
                    outs[f'{n}_backbone'] = backbone(img)[-1]
                tok = model.extract_tokens(img, mask)
                tokens.append(tok)
                outs[f'{n}_feat'] = tok.feat.transpose(0, 1)
                outs[f'{n}_pos'] = tok.pos.transpose(0, 1)
                outs[f'{n}_feat_mask'] = tok.mask
            head = model.head(FeatureTokens.cat(tokens),
                              return_intermediate=True)
    finally:
        backbone.out_indices = saved
        for h in hooks:
            h.remove()
    for key in ENCODER_ARRAYS:
        outs[key] = head[key].transpose(0, 1)
    outs['key_padding_mask'] = head['key_padding_mask']
    outs['head_in'] = head['head_in']
    outs['tower0'], outs['tower1'] = towers
    outs['score_map_tl'] = head['score_map_tl'][:, 0]
    outs['score_map_br'] = head['score_map_br'][:, 0]
    outs['pred_boxes'] = head['pred_boxes'][:, 0]
    return outs


def _squeeze_like(ours: torch.Tensor, ref: np.ndarray) -> torch.Tensor:
    return ours.reshape(ref.shape) if ours.numel() == ref.size else ours


def test_network_outputs_multi_branch(parity):
    """Every array of the fixture with a counterpart, official form."""
    ref = parity.network_ref('lightning')
    model = parity.model('lightning')
    assert not any(m.deploy for m in model.modules()
                   if hasattr(m, 'rbr_reparam') or hasattr(m, 'rbr_dense'))
    outs = _run(model, ref)
    diffs = {}
    for key, ours in outs.items():
        if key not in ref:
            continue
        if ref[key].dtype == np.bool_:
            np.testing.assert_array_equal(
                ours.numpy().reshape(ref[key].shape), ref[key])
            continue
        diffs[key] = _max_diff(_squeeze_like(ours, ref[key]), ref[key])
    compared = set(diffs) | {k for k in outs if k in ref}
    expected = {k for k in ref if not k.startswith('deploy_')
                and k != 'json' and not k.endswith(('_img', '_mask',
                                                    '_crop_uint8'))}
    assert expected <= compared, sorted(expected - compared)
    _check(diffs, 'multi-branch')


def test_network_outputs_reparameterised(parity):
    """The fused network against the official ``deploy_*`` arrays."""
    ref = parity.network_ref('lightning')
    model = copy.deepcopy(parity.model('lightning'))
    assert reparameterize(model) > 0
    assert not any(hasattr(m, 'rbr_dense') for m in model.modules())
    outs = _run(model, ref, stages=False)
    deploy_keys = [k for k in ref if k.startswith('deploy_')]
    assert deploy_keys
    diffs = {}
    for key in deploy_keys:
        ours = outs[key[len('deploy_'):]]
        diffs[key] = _max_diff(_squeeze_like(ours, ref[key]), ref[key])
    _check(diffs, 'reparameterised')


def test_reparameterise_is_the_same_function():
    """switch_to_deploy on random BN statistics (identity branch, stride 2
    and channel changes) keeps the block's function."""
    from stark_plugin.models import RepVGGBlock
    torch.manual_seed(0)
    for cin, cout, stride, norm in [(8, 8, 1, 'BN'), (8, 16, 2, 'BN'),
                                    (8, 8, 1, 'FrozenBN')]:
        block = RepVGGBlock(cin, cout, stride, norm)
        for m in block.modules():
            for name in ('weight', 'bias', 'running_mean'):
                t = getattr(m, name, None)
                if isinstance(t, torch.Tensor) and t.dim() == 1:
                    t.data.normal_()
            if hasattr(m, 'running_var'):
                m.running_var.data.uniform_(0.5, 1.5)
        block.eval()
        x = torch.randn(2, cin, 12, 12)
        with torch.no_grad():
            before = block(x)
            block.switch_to_deploy()
            after = block(x)
        assert block.deploy and not hasattr(block, 'rbr_dense')
        assert (before - after).abs().max() < 1e-4
        assert before.abs().max() > 0.1


def test_switch_to_deploy_needs_eval_bn():
    from stark_plugin.models import RepVGGBlock
    block = RepVGGBlock(4, 4, 1, 'BN').train()
    with pytest.raises(RuntimeError, match='eval'):
        block.switch_to_deploy()
