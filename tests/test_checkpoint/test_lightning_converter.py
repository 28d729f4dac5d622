"""Converter of official STARK-Lightning checkpoints (keys, detection,
errors, CLI)."""
import os.path as osp
import sys

import pytest
import torch

from stark_plugin.errors import UnknownKeysError
from stark_plugin.checkpoint.converters.lightning import (
    convert_official_lightning_state_dict, is_official_lightning_state_dict)


def test_converted_keys_fit_the_config_model(parity):
    """Every official key maps onto the config-built model, one to one,
    with the same shape (counts read from the manifest)."""
    source = parity.state_dict('lightning')
    converted = convert_official_lightning_state_dict(source)
    assert len(converted) == len(source)
    own = parity.model('lightning').state_dict()
    assert set(converted) == set(own)
    for key, value in converted.items():
        assert tuple(value.shape) == tuple(own[key].shape), key


def test_detection(parity):
    assert is_official_lightning_state_dict(parity.state_dict('lightning'))
    assert not is_official_lightning_state_dict(
        {'backbone.0.body.conv1.weight': torch.zeros(1),
         'box_head.conv1_tl.0.weight': torch.zeros(1)})
    assert not is_official_lightning_state_dict(
        {'head.bbox_head.conv_tower.2.weight': torch.zeros(1)})


def test_unknown_keys_are_named(parity):
    source = dict(parity.state_dict('lightning'))
    source['box_head.extra.weight'] = torch.zeros(1)
    source['backbone.body.stage1.0.rbr_dense.conv.bias'] = torch.zeros(1)
    with pytest.raises(UnknownKeysError) as err:
        convert_official_lightning_state_dict(source)
    assert 'box_head.extra.weight' in str(err.value)
    assert '2 unknown key(s)' in str(err.value)


def test_cli_writes_a_loadable_lightning_file(parity, tmp_path, capsys):
    """The CLI detects Lightning; init_model loads the result strictly; a
    shape mismatch names the file and the key."""
    from stark_plugin.apis import init_model
    from stark_plugin.errors import CheckpointMismatchError
    dst = parity.converted_checkpoint('lightning')
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)
    assert ckpt['meta']['variant'] == 'STARK-Lightning'
    assert ckpt['meta']['form'] == 'multi-branch'
    sd = ckpt['state_dict']
    sd['neck.convs.0.conv.bias'] = torch.zeros(3)
    bad = str(tmp_path / 'bad.pth')
    torch.save(dict(state_dict=sd, meta={}), bad)
    cfg = osp.join(parity_repo(), 'configs', 'sot', 'stark',
                   'stark_lightning_x_trt_got10k.py')
    with pytest.raises(CheckpointMismatchError,
                       match=r'bad\.pth.*neck\.convs\.0\.conv\.bias'):
        init_model(cfg, bad)


def parity_repo() -> str:
    return osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_cli_rejects_unknown_lightning_keys(parity, tmp_path, capsys):
    from stark_plugin.models.synthetic_weights import save_official_format
    sys.path.insert(0, osp.join(parity_repo(), 'tools', 'model_converters'))
    try:
        import stark_official_to_plugin as cli
    finally:
        sys.path.pop(0)
    source = dict(parity.state_dict('lightning'))
    source['pos_emb_z1.row_embed.weight'] = torch.zeros(8, 64)
    src = str(tmp_path / 'odd.pth.tar')
    save_official_format(source, src)
    assert cli.main([src, str(tmp_path / 'out.pth')]) == 1
    err = capsys.readouterr().err
    assert 'odd.pth.tar' in err and 'pos_emb_z1.row_embed.weight' in err
    assert not osp.exists(tmp_path / 'out.pth')
