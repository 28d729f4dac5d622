"""tools/model_converters/publish_model.py: weights and meta of a training
checkpoint, nothing that only resuming needs."""
import hashlib
import os.path as osp
import sys
from collections import OrderedDict

import pytest
import torch

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


@pytest.fixture(scope='module')
def publish_model():
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'model_converters'))
    try:
        import publish_model
    finally:
        sys.path.pop(0)
    return publish_model


def _training_checkpoint(path):
    weights = OrderedDict([
        ('backbone.conv1.weight', torch.randn(4, 3, 3, 3)),
        ('head.bbox_head.conv.weight', torch.randn(2, 4, 1, 1)),
    ])
    torch.save(dict(
        meta=dict(epoch=3, iter=30, seed=0),
        state_dict=weights,
        optimizer=dict(state={0: dict(step=torch.tensor(30.0))},
                       param_groups=[dict(lr=1e-3, params=[0])]),
        param_schedulers=[dict(last_epoch=3)],
        message_hub=dict(log_scalars={})), str(path))
    return weights


def test_keeps_weights_and_meta_only(publish_model, tmp_path, capsys):
    src, dst = tmp_path / 'epoch_3.pth', tmp_path / 'out' / 'model.pth'
    weights = _training_checkpoint(src)
    assert publish_model.main([str(src), str(dst)]) == 0
    out = torch.load(str(dst), map_location='cpu', weights_only=True)
    assert sorted(out) == ['meta', 'state_dict']
    assert out['meta'] == dict(epoch=3, iter=30, seed=0)
    assert list(out['state_dict']) == list(weights)
    for key, value in weights.items():
        assert torch.equal(out['state_dict'][key], value)
    printed = capsys.readouterr().out
    assert hashlib.sha256(dst.read_bytes()).hexdigest() in printed
    assert osp.getsize(dst) < osp.getsize(src)


def test_refuses_what_is_not_a_plugin_checkpoint(publish_model, tmp_path,
                                                 capsys):
    missing = tmp_path / 'missing.pth'
    assert publish_model.main([str(missing), str(tmp_path / 'a.pth')]) == 1
    assert str(missing) in capsys.readouterr().err
    # an official STARK file: converted by its own converter, not here
    official = tmp_path / 'STARKST_ep0050.pth.tar'
    torch.save({'net': OrderedDict([
        ('backbone.0.body.conv1.weight', torch.zeros(64, 3, 7, 7)),
        ('box_head.conv1_tl.0.weight', torch.zeros(4, 4, 3, 3))])},
        str(official))
    dst = tmp_path / 'b.pth'
    assert publish_model.main([str(official), str(dst)]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error:') and str(official) in err
    assert 'not a checkpoint of this package' in err
    assert not dst.exists()
