"""A truncated or corrupt checkpoint fails with one clear line, on every
loading path (our loader, mmengine's load_checkpoint, the CLI)."""
import collections
import os.path as osp
import zipfile

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint, load_checkpoint

from stark_plugin.checkpoint.loading import install_checkpoint_loader
from stark_plugin.checkpoint.official_unpickler import \
    load_official_checkpoint
from stark_plugin.checkpoint.safe_load import (check_last_checkpoint,
                                               load_checkpoint_file)
from stark_plugin.errors import CorruptCheckpointError, run_cli


@pytest.fixture(autouse=True, scope='module')
def mmengine_reads_through_the_package():
    """What ``register_all_modules`` does for every tool."""
    install_checkpoint_loader()


def save_runner_like(path: str) -> None:
    """A small checkpoint with what a Runner checkpoint carries."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Linear(16, 2))
    hub = dict(log_scalars={'train/loss': HistoryBuffer([1.0, 0.5], [1, 1])},
               runtime_info=dict(epoch=3, iter=24))
    torch.save(dict(meta=dict(epoch=3, iter=24, seed=np.int64(0)),
                    state_dict=collections.OrderedDict(model.state_dict()),
                    message_hub=hub), path)


def truncate(path: str, fraction: float) -> None:
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:int(len(data) * fraction)])


def flip_tensor_bytes(path: str, record: str = 'data/0') -> None:
    """Flip 8 bytes inside a tensor record: same size, still a valid zip,
    and torch.load alone returns wrong weights without complaint."""
    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist()
                    if i.filename.endswith('/' + record))
    with open(path, 'rb') as f:
        data = bytearray(f.read())
    # the record's data follows its 30-byte local header, name and extra
    start = info.header_offset + 30 + len(info.filename) + \
        int.from_bytes(data[info.header_offset + 28:
                            info.header_offset + 30], 'little')
    for i in range(start + 4, start + 12):
        data[i] ^= 0xFF
    with open(path, 'wb') as f:
        f.write(bytes(data))


@pytest.fixture
def ckpt(tmp_path) -> str:
    path = str(tmp_path / 'epoch_3.pth')
    save_runner_like(path)
    assert load_checkpoint_file(path)['meta']['epoch'] == 3
    return path


def _assert_one_clear_line(err: BaseException, path: str) -> None:
    message = str(err)
    assert '\n' not in message
    assert message.startswith(f'checkpoint {path} is truncated or corrupt')


@pytest.mark.parametrize('fraction', [0.0, 0.1, 0.5, 0.99])
def test_truncated(ckpt, fraction):
    truncate(ckpt, fraction)
    with pytest.raises(CorruptCheckpointError) as info:
        load_checkpoint_file(ckpt)
    _assert_one_clear_line(info.value, ckpt)
    if fraction == 0:
        assert 'empty' in str(info.value)
    else:
        assert 'zip directory' in str(info.value)


def test_corrupt_bytes_that_torch_load_accepts(ckpt):
    flip_tensor_bytes(ckpt)
    # plain torch.load does not notice: the weights are silently wrong
    plain = torch.load(ckpt, weights_only=False)['state_dict']
    torch.manual_seed(0)
    good = torch.nn.Linear(8, 16).weight
    assert not torch.equal(plain['0.weight'], good)
    with pytest.raises(CorruptCheckpointError) as info:
        load_checkpoint_file(ckpt)
    _assert_one_clear_line(info.value, ckpt)
    assert 'data/0' in str(info.value)


def test_corrupt_pickle(ckpt):
    flip_tensor_bytes(ckpt, record='data.pkl')
    with pytest.raises(CorruptCheckpointError) as info:
        load_checkpoint_file(ckpt)
    _assert_one_clear_line(info.value, ckpt)


def test_mmengine_loading_paths(ckpt):
    """load_checkpoint / _load_checkpoint (Runner.load_checkpoint, resume,
    load_from) go through the same check."""
    truncate(ckpt, 0.5)
    with pytest.raises(CorruptCheckpointError):
        _load_checkpoint(ckpt, map_location='cpu')
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Linear(16, 2))
    with pytest.raises(CorruptCheckpointError):
        load_checkpoint(model, ckpt, map_location='cpu')


def test_trusted_file_is_checked_too(ckpt, monkeypatch):
    monkeypatch.setenv('STARK_TRUSTED_CHECKPOINTS', osp.dirname(ckpt))
    flip_tensor_bytes(ckpt)
    with pytest.raises(CorruptCheckpointError):
        load_checkpoint_file(ckpt)


def test_saved_without_crc_still_loads(tmp_path):
    """torch can skip CRC-32 on save (records then carry CRC 0): no false
    alarm. The option is changed through torch's own ``patch`` (a
    ``monkeypatch`` on torch's config proxy is undone with ``delattr``,
    which hides the option from every later ``torch.save``)."""
    from torch.utils.serialization import config
    path = str(tmp_path / 'nocrc.pth')
    with config.patch({'save.compute_crc32': False}):
        save_runner_like(path)
    assert torch.serialization.get_crc32_options()
    with zipfile.ZipFile(path) as archive:
        assert {i.CRC for i in archive.infolist()} == {0}
    assert load_checkpoint_file(path)['meta']['epoch'] == 3


def test_save_works_after_the_crc_option_was_changed(tmp_path):
    """Runs after the test above: torch.save still has its CRC option."""
    path = str(tmp_path / 'after.pth')
    save_runner_like(path)
    with zipfile.ZipFile(path) as archive:
        assert all(i.CRC != 0 for i in archive.infolist() if i.file_size)
    assert load_checkpoint_file(path)['meta']['epoch'] == 3


def test_legacy_format_truncated(tmp_path):
    path = str(tmp_path / 'legacy.pth')
    torch.save(dict(state_dict=dict(w=torch.arange(64.0))), path,
               _use_new_zipfile_serialization=False)
    assert torch.equal(load_checkpoint_file(path)['state_dict']['w'],
                       torch.arange(64.0))
    truncate(path, 0.9)
    with pytest.raises(CorruptCheckpointError) as info:
        load_checkpoint_file(path)
    _assert_one_clear_line(info.value, path)


def test_cli_prints_one_line_and_exits_1(ckpt, capsys):
    truncate(ckpt, 0.5)

    def main(argv):
        load_checkpoint_file(ckpt)
        return 0

    assert run_cli(main, []) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1
    assert err.startswith(f'error: checkpoint {ckpt} is truncated or corrupt')


def test_check_last_checkpoint(tmp_path, ckpt):
    work = str(tmp_path)
    assert check_last_checkpoint(work) is None  # no record: fresh start
    record = osp.join(work, 'last_checkpoint')
    with open(record, 'w') as f:
        f.write(ckpt)
    assert check_last_checkpoint(work) == ckpt
    missing = osp.join(work, 'epoch_9.pth')
    with open(record, 'w') as f:
        f.write(missing)
    with pytest.raises(FileNotFoundError) as info:
        check_last_checkpoint(work)
    assert record in str(info.value) and missing in str(info.value)
    with open(record, 'w') as f:
        f.write('')
    with pytest.raises(FileNotFoundError, match='is empty'):
        check_last_checkpoint(work)


def test_official_converter_input_is_checked(tmp_path):
    path = str(tmp_path / 'STARKST_ep0050.pth.tar')
    torch.save(dict(net=dict(w=torch.arange(64.0))), path)
    assert torch.equal(load_official_checkpoint(path)['w'],
                       torch.arange(64.0))
    flip_tensor_bytes(path)
    with pytest.raises(CorruptCheckpointError) as info:
        load_official_checkpoint(path)
    _assert_one_clear_line(info.value, path)
