"""Official / mmtracking checkpoint conversion and strict loading."""
import os
import pickle
import re
import sys
from collections import OrderedDict

import pytest
import torch

from parity_fixtures import to_mmtrack_layout
from stark_plugin.checkpoint.converters import (convert_mmtrack_state_dict,
                                                convert_official_state_dict,
                                                describe_state_dict)
from stark_plugin.checkpoint.official_unpickler import \
    load_official_checkpoint
from stark_plugin.errors import UnknownKeysError


def test_official_conversion_fits_model_strictly(parity):
    for name in ('st50', 's50'):
        converted = convert_official_state_dict(parity.state_dict(name))
        model = parity.model(name)
        own = model.state_dict()
        assert set(converted) == set(own), (
            sorted(set(converted) ^ set(own))[:10])
        result = model.load_state_dict(converted, strict=True)
        assert not result.missing_keys and not result.unexpected_keys
        info = describe_state_dict(converted)
        assert info['depth'] == 50
        assert info['variant'] == ('STARK-ST' if name == 'st50'
                                   else 'STARK-S')


def test_official_values_are_moved_not_changed(parity):
    src = parity.state_dict('st50')
    converted = convert_official_state_dict(src)
    pairs = {
        'bottleneck.weight': 'neck.convs.0.conv.weight',
        'query_embed.weight': 'head.query_embedding.weight',
        'transformer.decoder.layers.5.multihead_attn.in_proj_weight':
        'head.transformer.decoder.layers.5.cross_attn.attn.in_proj_weight',
        'transformer.encoder.layers.2.linear2.weight':
        'head.transformer.encoder.layers.2.ffn.layers.1.weight',
        'transformer.decoder.layers.0.norm3.bias':
        'head.transformer.decoder.layers.0.norms.2.bias',
        'box_head.conv3_br.1.running_var':
        'head.bbox_head.br_corner_pred.2.bn.running_var',
        'box_head.conv5_tl.weight': 'head.bbox_head.tl_corner_pred.4.weight',
        'backbone.0.body.layer3.5.bn3.weight': 'backbone.layer3.5.bn3.weight',
        'cls_head.layers.2.bias': 'head.cls_head.layers.2.bias',
    }
    for old, new in pairs.items():
        assert converted[new] is src[old]


def test_mmtrack_round_trip(parity):
    ours = convert_official_state_dict(parity.state_dict('st50'))
    mmtrack = to_mmtrack_layout(ours)
    assert any('.attentions.1.attn.' in k for k in mmtrack)
    back = convert_mmtrack_state_dict(mmtrack)
    assert list(back) == list(ours)
    assert all(back[k] is ours[k] for k in ours)
    # an mmtracking stage-1 checkpoint has no score head
    st1 = OrderedDict((k, v) for k, v in mmtrack.items()
                      if not k.startswith('head.cls_head.'))
    converted = convert_mmtrack_state_dict(st1)
    assert not any(k.startswith('head.cls_head.') for k in converted)


def test_unknown_keys_are_named():
    sd = OrderedDict([('bottleneck.weight', torch.zeros(1)),
                      ('box_head.conv9_tl.0.weight', torch.zeros(1)),
                      ('foo.bar', torch.zeros(1))])
    with pytest.raises(UnknownKeysError) as err:
        convert_official_state_dict(sd)
    assert 'box_head.conv9_tl.0.weight' in str(err.value)
    assert 'foo.bar' in str(err.value)
    with pytest.raises(UnknownKeysError, match='head.transformer.extra'):
        convert_mmtrack_state_dict(
            OrderedDict([('head.transformer.extra', torch.zeros(1))]))


def test_official_file_needs_the_restricted_loader(parity):
    path = parity.official_checkpoint('s50')
    # the file pickles objects of the official lib package ...
    assert not any(m == 'lib' or m.startswith('lib.') for m in sys.modules)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, map_location='cpu', weights_only=True)
    # ... which the restricted loader stubs, keeping only 'net'
    net = load_official_checkpoint(path)
    assert list(net) == list(parity.state_dict('s50'))
    assert torch.equal(net['query_embed.weight'],
                       parity.state_dict('s50')['query_embed.weight'])


class NotOfficial:
    """A class outside the official lib package."""


def test_restricted_loader_refuses_other_globals(tmp_path):
    path = str(tmp_path / 'evil.pth.tar')
    torch.save({'net': OrderedDict(), 'payload': NotOfficial()}, path)
    with pytest.raises(pickle.UnpicklingError, match='NotOfficial'):
        load_official_checkpoint(path)
    with pytest.raises(FileNotFoundError):
        load_official_checkpoint(str(tmp_path / 'missing.pth.tar'))


def test_converter_cli(parity, tmp_path, capsys):
    sys.path.insert(0, os.path.join(parity_repo_root(), 'tools',
                                    'model_converters'))
    try:
        import mmtrack_to_plugin
        import stark_official_to_plugin
    finally:
        sys.path.pop(0)
    dst = tmp_path / 'out' / 'st50.pth'
    assert stark_official_to_plugin.main(
        [parity.official_checkpoint('st50'), str(dst)]) == 0
    printed = capsys.readouterr().out
    assert 'STARK-ST' in printed and 'ResNet-50' in printed
    assert sorted(os.listdir(dst.parent)) == ['st50.pth']  # no temp left
    ckpt = torch.load(str(dst), map_location='cpu', weights_only=True)
    assert ckpt['meta']['variant'] == 'STARK-ST'
    assert len(ckpt['state_dict']) == 466

    # mmtracking layout through its CLI
    mm = tmp_path / 'mmtrack.pth'
    torch.save(dict(state_dict=to_mmtrack_layout(ckpt['state_dict']),
                    meta=dict(epoch=50)), str(mm))
    dst2 = tmp_path / 'from_mmtrack.pth'
    assert mmtrack_to_plugin.main([str(mm), str(dst2)]) == 0
    again = torch.load(str(dst2), map_location='cpu', weights_only=True)
    assert list(again['state_dict']) == list(ckpt['state_dict'])
    assert 'note:' not in capsys.readouterr().out

    # a stage-1 checkpoint (no score head) converts with a note
    stage1 = {k: v for k, v in ckpt['state_dict'].items()
              if not k.startswith('head.cls_head.')}
    torch.save(dict(state_dict=to_mmtrack_layout(stage1)), str(mm))
    assert mmtrack_to_plugin.main([str(mm), str(dst2)]) == 0
    assert 'note: no score head' in capsys.readouterr().out
    again = torch.load(str(dst2), map_location='cpu', weights_only=True)
    assert again['meta']['missing_prefixes'] == ['head.cls_head.']

    # unknown keys: non-zero exit, message names the key, nothing written
    bad = tmp_path / 'bad.pth.tar'
    torch.save({'net': OrderedDict(mystery=torch.zeros(1))}, str(bad))
    dst3 = tmp_path / 'bad_out.pth'
    assert stark_official_to_plugin.main([str(bad), str(dst3)]) == 1
    assert 'mystery' in capsys.readouterr().err
    assert not dst3.exists()


def parity_repo_root() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(os.path.dirname(here))


def test_r101_detection():
    sd = OrderedDict()
    for i in range(23):
        sd[f'backbone.0.body.layer3.{i}.conv1.weight'] = torch.zeros(1)
    info = describe_state_dict(convert_official_state_dict(sd))
    assert info['depth'] == 101 and info['variant'] == 'STARK-S'
    assert re.match(r'STARK', info['variant'])
