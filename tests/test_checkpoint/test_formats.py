"""Official and mmtracking checkpoints load as they are (format detected
from the content, converted in memory); a checkpoint that fits no known
format or not the config is one clear error."""
import os.path as osp

import pytest
import torch
from mmengine.runner import load_checkpoint

from stark_plugin.apis import init_model
from stark_plugin.checkpoint.formats import (detect_format,
                                             read_stark_checkpoint)
from stark_plugin.errors import (CheckpointMismatchError,
                                 UnknownCheckpointFormatError)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs', 'sot', 'stark')
ST50 = osp.join(CONFIGS, 'stark_st2_r50_50e_got10k.py')
ST101 = osp.join(CONFIGS, 'stark_st2_r101_50e_got10k.py')


def _equal(a: dict, b: dict) -> bool:
    return set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.slow
def test_official_and_mmtracking_files_load_as_converted(parity,
                                                         monkeypatch):
    converted = torch.load(parity.converted_checkpoint('st50'),
                           map_location='cpu', weights_only=True)
    expected = converted['state_dict']
    for path, fmt in ((parity.official_checkpoint('st50'), 'official'),
                      (parity.mmtrack_checkpoint('st50'), 'mmtracking'),
                      (parity.converted_checkpoint('st50'), 'stark_plugin')):
        ckpt = read_stark_checkpoint(path)
        assert ckpt.format == fmt, path
        got = {k: ckpt.state_dict[k] for k in expected}
        assert _equal(got, expected), path
        if fmt != 'stark_plugin':  # mmtracking also keeps num_batches...
            assert set(ckpt.state_dict) == set(expected)
    # the config is told from the weights; one line says what happened
    lines = []
    import stark_plugin.checkpoint.loading as loading
    monkeypatch.setattr(loading, 'print_log',
                        lambda msg, **kwargs: lines.append(msg))
    model = init_model(None, parity.official_checkpoint('st50'))
    assert lines == [f'{parity.official_checkpoint("st50")}: official '
                     'checkpoint of STARK-ST50, converted in memory']
    assert osp.basename(model.cfg.filename) == 'stark_st2_r50_50e_lasot.py'
    assert _equal(model.state_dict(), expected)


@pytest.mark.slow
def test_load_from_in_a_config_takes_an_official_file(parity):
    """mmengine's loader (``load_from``, ``Runner.load_checkpoint``)."""
    model = init_model(ST50)
    load_checkpoint(model, parity.official_checkpoint('s50'), strict=False)
    converted = torch.load(parity.converted_checkpoint('s50'),
                           map_location='cpu', weights_only=True)
    own = model.state_dict()
    assert all(torch.equal(own[k], v)
               for k, v in converted['state_dict'].items())


@pytest.mark.slow
def test_checkpoint_of_another_model_names_both(parity):
    s50 = parity.official_checkpoint('s50')
    with pytest.raises(CheckpointMismatchError) as err:
        init_model(ST50, s50)
    assert str(err.value) == (
        f'{s50} holds STARK-S50 weights (official format) but {ST50} '
        'builds STARK-ST50; the checkpoint has no score head '
        '(head.cls_head.*)')
    st50 = parity.official_checkpoint('st50')
    with pytest.raises(CheckpointMismatchError,
                       match=r'holds STARK-ST50 weights .* builds '
                       r'STARK-ST101$'):
        init_model(ST101, st50)


def test_detect_format_from_content():
    ours = {'backbone.conv1.weight': torch.zeros(1),
            'head.query_embedding.weight': torch.zeros(1)}
    assert detect_format(dict(state_dict=ours, meta={})) == 'stark_plugin'
    assert detect_format(ours) == 'stark_plugin'
    official = {'backbone.0.body.conv1.weight': torch.zeros(1),
                'box_head.conv1_tl.0.weight': torch.zeros(1)}
    assert detect_format(dict(net=official, epoch=50)) == 'official'
    assert detect_format(official) == 'official'  # a bare ``net``
    mmtrack = {'module.head.transformer.encoder.layers.0.attentions.0.attn.'
               'in_proj_weight': torch.zeros(1)}
    assert detect_format(dict(state_dict=mmtrack)) == 'mmtracking'
    assert detect_format({'conv1.weight': torch.zeros(1)}) is None
    assert detect_format([1, 2]) is None
    assert detect_format(dict(state_dict={})) is None


def test_unknown_format_is_one_clear_error(tmp_path):
    path = str(tmp_path / 'resnet.pth')
    torch.save({'conv1.weight': torch.zeros(1)}, path)
    with pytest.raises(UnknownCheckpointFormatError) as err:
        read_stark_checkpoint(path)
    assert str(err.value).startswith(f'{path}: not a STARK checkpoint of a '
                                     'known format')
    assert 'conv1.weight' in str(err.value)
    # mmengine's loader passes such files through untouched (init_cfg of a
    # pretrained backbone)
    from mmengine.runner.checkpoint import CheckpointLoader
    got = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert list(got) == ['conv1.weight']


@pytest.mark.slow
def test_official_lightning_file_loads_as_it_is(parity):
    official = parity.official_checkpoint('lightning')
    ckpt = read_stark_checkpoint(official)
    assert ckpt.format == 'official'
    converted = torch.load(parity.converted_checkpoint('lightning'),
                           map_location='cpu', weights_only=True)
    assert _equal(dict(ckpt.state_dict), converted['state_dict'])
    model = init_model(None, official)  # the shipped Lightning config
    assert osp.basename(model.cfg.filename) == \
        'stark_lightning_x_trt_lasot.py'
    with pytest.raises(CheckpointMismatchError,
                       match=r'holds STARK-Lightning weights .* builds '
                       r'STARK-ST50'):
        init_model(ST50, official)
