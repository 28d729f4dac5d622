"""Hostile checkpoint files: each would run ``touch MARKER`` on a naive
loader. Written with the layouts the package reads (package / Runner,
official ``.pth.tar``, mmtracking, official STARK-Lightning)."""
import io
import os
import pickle
import shlex
import zipfile
from collections import OrderedDict
from typing import Dict

import torch


def touch_command(marker: str) -> str:
    return f'touch {shlex.quote(marker)}'


def config_with_code(config_text: str, marker: str) -> str:
    """A stored config (``meta['cfg']``) that runs a command when executed
    as Python: the attack on ``Config.fromstring(..., '.py')``."""
    return (config_text.rstrip() + '\n_x = __import__("os").system('
            f'{touch_command(marker)!r})\n')


class RunsCommand:
    """An object whose unpickling runs a shell command (``__reduce__``)."""

    def __init__(self, marker: str) -> None:
        self.command = touch_command(marker)

    def __reduce__(self):
        return (os.system, (self.command, ))


def save_with_payload(path: str, obj: Dict, marker: str) -> str:
    """``obj`` plus a ``payload`` entry that runs a command when loaded."""
    torch.save(dict(obj, payload=RunsCommand(marker)), path)
    return path


def _pickle_with_global(module: str, name: str, marker: str) -> bytes:
    """Protocol-4 pickle of ``{'net': {}, 'payload': module.name(cmd)}``
    where ``module.name`` is written as a raw GLOBAL (a dotted ``name``
    walks attributes on a naive unpickler: ``lib.x`` + ``os.system``)."""
    out = io.BytesIO()
    out.write(b'\x80\x04}')  # PROTO 4, EMPTY_DICT
    for key in ('net', 'payload'):
        encoded = key.encode()
        out.write(b'\x8c' + bytes([len(encoded)]) + encoded)  # SHORT_UNICODE
        if key == 'net':
            out.write(b'}')  # EMPTY_DICT
            out.write(b's')  # SETITEM
            continue
        out.write(b'c' + module.encode() + b'\n' + name.encode() + b'\n')
        command = touch_command(marker).encode()
        out.write(b'\x8c' + bytes([len(command)]) + command)
        out.write(b'\x85R')  # TUPLE1, REDUCE
        out.write(b's')  # SETITEM
    out.write(b'.')
    return out.getvalue()


def save_raw_global(path: str, module: str, name: str, marker: str) -> str:
    """A torch zip checkpoint whose pickle holds the raw GLOBAL
    ``module`` / ``name`` called with a shell command."""
    buffer = io.BytesIO()
    torch.save({'net': {}}, buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, 'w') as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith('/data.pkl'):
                data = _pickle_with_global(module, name, marker)
            dst.writestr(info.filename, data)
    return path


def state_dict_copy(state_dict: Dict[str, torch.Tensor]
                    ) -> 'OrderedDict[str, torch.Tensor]':
    return OrderedDict((k, v.clone()) for k, v in state_dict.items())


def plain_pickle_is_dangerous(marker: str) -> bool:
    """Sanity check of the payload itself: plain ``pickle.loads`` runs
    it (so a test that finds no marker proves the loader refused it)."""
    pickle.loads(pickle.dumps(RunsCommand(marker)))
    exists = os.path.exists(marker)
    if exists:
        os.remove(marker)
    return exists
