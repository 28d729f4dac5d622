"""No code from a checkpoint runs, on any entry point, unless the user says
so: a stored config with code, ``__reduce__`` payloads in every layout the
package reads, a ``lib.*`` global that walks to ``os.system``, a numpy
global that is not an array constructor."""
import os
import os.path as osp
import sys
import types
from collections import OrderedDict

import pytest
import torch
from mmengine.runner.checkpoint import _load_checkpoint

from hostile import (config_with_code, plain_pickle_is_dangerous,
                     save_raw_global, save_with_payload, state_dict_copy)
from stark_plugin.apis import init_model
from stark_plugin.apis.model_zoo import DEFAULT_CHECKPOINT, sample_clip
from stark_plugin.checkpoint.formats import read_stark_checkpoint
from stark_plugin.checkpoint.loading import install_checkpoint_loader
from stark_plugin.checkpoint.official_unpickler import \
    load_official_checkpoint
from stark_plugin.checkpoint.safe_load import TRUST_ENV
from stark_plugin.checkpoint.stored_config import (make_resume_meta_safe,
                                                 parse_stored_config)
from stark_plugin.errors import (NoConfigError, UnknownCheckpointFormatError,
                                 UnsafeCheckpointError, UntrustedConfigError)
from stark_plugin.testing.tool_process import run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(autouse=True)
def untrusted(monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    install_checkpoint_loader()


@pytest.fixture
def marker(tmp_path) -> str:
    path = str(tmp_path / 'MARKER')
    assert plain_pickle_is_dangerous(path)  # the payload works
    return path


@pytest.fixture(scope='module')
def bundled():
    """The bundled default model: state dict and stored config text."""
    ckpt = torch.load(DEFAULT_CHECKPOINT, map_location='cpu',
                      weights_only=True)
    return ckpt['state_dict'], ckpt['meta']['cfg']


def _mmtrack_keys(state_dict):
    """mmtracking 0.x names (its score head has no input norm)."""
    return OrderedDict(
        (k.replace('.self_attn.attn.', '.attentions.0.attn.').replace(
            '.cross_attn.attn.', '.attentions.1.attn.').replace(
                '.ffn.layers.', '.ffns.0.layers.'), v)
        for k, v in state_dict.items() if '.input_norm.' not in k)


# -- a config stored in the checkpoint ----------------------------------
def test_stored_config_with_code_is_refused(tmp_path, marker, bundled):
    state_dict, cfg_text = bundled
    path = str(tmp_path / 'stranger.pth')
    torch.save(dict(state_dict=state_dict,
                    meta=dict(cfg=config_with_code(cfg_text, marker))), path)
    with pytest.raises(UntrustedConfigError) as info:
        init_model(None, path)
    message = str(info.value)
    assert path in message and '--config' in message
    assert '--trust-checkpoint-config' in message
    assert not osp.exists(marker)
    # with an explicit config nothing stored is read
    model = init_model(osp.join(REPO, 'configs', 'sot', 'stark',
                                'stark_st2_tiny_synth.py'), path)
    assert model is not None and not osp.exists(marker)
    # the user's explicit opt-in runs it, as documented
    init_model(None, path, trust_config=True)
    assert osp.exists(marker)


def test_demo_refuses_a_stored_config_with_code(tmp_path, marker, bundled,
                                                demo_main, capsys):
    state_dict, cfg_text = bundled
    path = str(tmp_path / 'stranger.pth')
    torch.save(dict(state_dict=state_dict,
                    meta=dict(cfg=config_with_code(cfg_text, marker))), path)
    clip, box = sample_clip()
    code = demo_main([clip, '--checkpoint', path, '--bbox',
                      *map(str, box), '--max-frames', '2'])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.strip().splitlines()[-1].startswith('error: ')
    assert '--trust-checkpoint-config' in err
    assert not osp.exists(marker)


def test_mmtracking_file_with_a_stored_config(tmp_path, marker, bundled):
    state_dict, cfg_text = bundled
    hostile = config_with_code(cfg_text, marker)
    path = str(tmp_path / 'mmtrack_stranger.pth')
    torch.save(dict(state_dict=_mmtrack_keys(state_dict),
                    meta=dict(cfg=hostile, config=hostile)), path)
    assert read_stark_checkpoint(path).format == 'mmtracking'
    with pytest.raises(NoConfigError):  # mmtracking configs are not used
        init_model(None, path)
    assert not osp.exists(marker)


def test_the_parser_takes_plain_data_only(bundled):
    _, cfg_text = bundled
    cfg = parse_stored_config(cfg_text, 'bundled.pth')
    assert cfg.model.type == 'Stark'
    assert cfg.model.backbone.strides == (1, 2)
    for code in ('x = [i for i in range(3)]', 'x = dict(**y)',
                 'import os', 'x = lambda: 0', 'x = y.z', 'x = f(1)',
                 'x = dict(a=open("f"))', 'x = 1 + 2', 'del x',
                 "x = {'a': __import__('os')}", 'x: int = 1'):
        with pytest.raises(UntrustedConfigError, match='f.pth'):
            parse_stored_config(code, 'f.pth')
    with pytest.raises(UntrustedConfigError, match='not valid'):
        parse_stored_config('x = (', 'f.pth')
    ok = parse_stored_config("a = -1.5\nb = (1, None, True)\n"
                             "c = {'k-1': [dict(t='x')]}\n", 'f.pth')
    assert ok.a == -1.5 and ok.b == (1, None, True)
    assert ok.c == {'k-1': [dict(t='x')]}


# -- pickled payloads ----------------------------------------------------
def _layouts(tmp_path, marker, bundled, parity_state_dicts):
    state_dict, _ = bundled
    return {
        'package': save_with_payload(
            str(tmp_path / 'package.pth'),
            dict(state_dict=state_dict, meta=dict(epoch=1)), marker),
        'official': save_with_payload(
            str(tmp_path / 'STARKST_ep0050.pth.tar'),
            dict(net=state_dict_copy(parity_state_dicts['st50']),
                 epoch=50), marker),
        'mmtracking': save_with_payload(
            str(tmp_path / 'mmtrack.pth'),
            dict(state_dict=_mmtrack_keys(state_dict), meta={}), marker),
        'lightning': save_with_payload(
            str(tmp_path / 'STARKLightningXtrt_ep0500.pth.tar'),
            dict(net=state_dict_copy(parity_state_dicts['lightning']),
                 epoch=500), marker),
    }


@pytest.fixture(scope='module')
def parity_state_dicts(parity):
    return {name: parity.state_dict(name) for name in ('st50', 'lightning')}


@pytest.mark.slow
def test_reduce_payloads_are_refused_in_every_layout(
        tmp_path, marker, bundled, parity_state_dicts, demo_main, capsys):
    files = _layouts(tmp_path, marker, bundled, parity_state_dicts)
    clip, box = sample_clip()
    for layout, path in files.items():
        # init_model, the demo, the test loop: the one reader
        with pytest.raises(UnsafeCheckpointError, match='posix.system'):
            read_stark_checkpoint(path)
        with pytest.raises(UnsafeCheckpointError):
            init_model(None, path)
        # load_from / --resume / init_cfg: mmengine's loader
        with pytest.raises(UnsafeCheckpointError):
            _load_checkpoint(path, map_location='cpu')
        code = demo_main([clip, '--checkpoint', path, '--bbox',
                          *map(str, box), '--max-frames', '2'])
        err = capsys.readouterr().err
        assert code == 2 and 'refusing to load checkpoint' in err, layout
        assert not osp.exists(marker), layout


def test_lib_global_that_walks_to_os_system(tmp_path, marker, monkeypatch):
    """``lib.train`` + ``os.system``: a naive unpickler (protocol 4 walks
    dotted names) with the official ``lib`` package importable calls
    ``os.system``; the official reader stubs every ``lib.*`` global."""
    path = save_raw_global(str(tmp_path / 'official.pth.tar'), 'lib.train',
                           'os.system', marker)
    fake = types.ModuleType('lib.train')
    fake.os = os
    monkeypatch.setitem(sys.modules, 'lib', types.ModuleType('lib'))
    monkeypatch.setitem(sys.modules, 'lib.train', fake)
    naive = torch.load(path, weights_only=False)  # what the danger is
    assert naive['payload'] == 0 and osp.exists(marker)
    os.remove(marker)
    stubbed = load_official_checkpoint(path)  # no error, nothing run
    assert stubbed == {} and not osp.exists(marker)
    with pytest.raises(UnknownCheckpointFormatError):  # no weights in it
        read_stark_checkpoint(path)
    # mmengine's loader reads official files the same way: stubbed
    assert _load_checkpoint(path, map_location='cpu') == {'net': {}}
    assert not osp.exists(marker)


def test_numpy_global_that_is_not_an_array_constructor(tmp_path, marker):
    path = save_raw_global(str(tmp_path / 'numpy.pth.tar'), 'numpy',
                           'f2py.os.system', marker)
    with pytest.raises(UnsafeCheckpointError, match='numpy'):
        read_stark_checkpoint(path)
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(path, map_location='cpu')
    with pytest.raises(Exception, match='refusing to unpickle global numpy'):
        load_official_checkpoint(path)
    assert not osp.exists(marker)


def _tool(*args, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop(TRUST_ENV, None)
    toy = osp.join(REPO, 'tests', 'data', 'toy')
    env['PYTHONPATH'] = os.pathsep.join([toy, REPO,
                                         env.get('PYTHONPATH', '')])
    return run_tool(list(args), env=env, timeout=timeout)


def _refused(proc, path):
    out = proc.stdout[-2000:] + proc.stderr[-2000:]
    assert proc.returncode == 1, out
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: refusing to load checkpoint'), out
    assert path in last and 'Traceback' not in proc.stderr, out


@pytest.mark.slow
def test_tools_refuse_payloads(tmp_path, marker, bundled):
    """``tools/test.py CONFIG FILE``, ``tools/train.py`` with ``load_from``
    and with ``--resume FILE``."""
    from stark_plugin.datasets.synthetic import make_synthetic_got10k
    state_dict, _ = bundled
    path = save_with_payload(str(tmp_path / 'epoch_1.pth'),
                             dict(state_dict=state_dict, meta=dict(epoch=1)),
                             marker)
    data = str(tmp_path / 'data')
    make_synthetic_got10k(data, num_videos=1, num_frames=8, seed=0,
                          num_val_videos=1, size=(96, 72))
    config = osp.join(REPO, 'tests', 'data', 'configs',
                      'stark_st_tiny_got10k_val.py')
    _refused(_tool(osp.join(REPO, 'tools', 'test.py'), config, path,
                   '--work-dir', str(tmp_path / 'test'), '--cfg-options',
                   f'test_dataloader.dataset.data_root={data}'), path)
    toy = osp.join(REPO, 'tests', 'data', 'toy', 'toy_config.py')
    train = osp.join(REPO, 'tools', 'train.py')
    _refused(_tool(train, toy, '--work-dir', str(tmp_path / 'a'),
                   '--cfg-options', f'load_from={path}'), path)
    _refused(_tool(train, toy, '--work-dir', str(tmp_path / 'b'),
                   '--resume', path), path)
    assert not osp.exists(marker)


# -- meta['config'], which mmengine's Runner.resume runs ------------------

def test_resume_meta_keeps_only_plain_gpu_ids(marker):
    meta = dict(config="gpu_ids = [0, 1]\nmodel = dict(type='Stark')\n")
    make_resume_meta_safe(meta, 'f.pth', resuming=True)
    assert meta == dict(config='gpu_ids = [0, 1]\n')
    meta = dict(config="model = dict(type='Stark')\n", epoch=3)
    make_resume_meta_safe(meta, 'f.pth', resuming=True)
    assert meta == dict(epoch=3)  # no gpu_ids: nothing left to compare
    hostile = config_with_code("gpu_ids = [0]\n", marker)
    with pytest.raises(UntrustedConfigError,
                       match=r'refusing to resume from f\.pth'):
        make_resume_meta_safe(dict(config=hostile), 'f.pth', resuming=True)
    meta = dict(config=hostile)  # weights only (load_from): not used
    make_resume_meta_safe(meta, 'f.pth', resuming=False)
    assert meta == {}
    assert not osp.exists(marker)


@pytest.mark.slow
def test_resume_does_not_run_a_stored_config(tmp_path, marker):
    """``tools/train.py --resume FILE`` where FILE's ``meta['config']``
    holds code: refused with one line, nothing run, also when the config
    saves with mmengine's plain ``CheckpointHook`` (the guard is the
    tool's, not the checkpoint hook's); with plain settings there the run
    resumes."""
    toy = osp.join(REPO, 'tests', 'data', 'toy', 'toy_config.py')
    train = osp.join(REPO, 'tools', 'train.py')
    first = _tool(train, toy, '--work-dir', str(tmp_path / 'a'),
                  '--cfg-options', 'train_cfg.max_epochs=1')
    assert first.returncode == 0, first.stderr[-2000:]
    ckpt = torch.load(str(tmp_path / 'a' / 'epoch_1.pth'),
                      map_location='cpu', weights_only=False)
    for name, text in (('hostile', config_with_code('gpu_ids = []\n',
                                                    marker)),
                       ('plain', 'gpu_ids = []\nseed = 0\n')):
        ckpt['meta']['config'] = text
        path = str(tmp_path / f'{name}_epoch_1.pth')
        torch.save(ckpt, path)
        options = ['--cfg-options', 'default_hooks.checkpoint.type='
                   'CheckpointHook'] if name == 'hostile' else []
        proc = _tool(train, toy, '--work-dir', str(tmp_path / name),
                     '--resume', path, *options)
        if name == 'hostile':
            assert proc.returncode == 1, proc.stderr[-2000:]
            last = proc.stderr.strip().splitlines()[-1]
            assert last.startswith(f'error: refusing to resume from {path}')
            assert 'Traceback' not in proc.stderr
        else:
            assert proc.returncode == 0, proc.stderr[-2000:]
            assert osp.isfile(tmp_path / name / 'epoch_2.pth')
    assert not osp.exists(marker)
