"""Read a STARK checkpoint of any published format as this package's one.

Formats recognised from the file's content (never from its name):

``stark_plugin``
    this package's files: converted checkpoints ``dict(state_dict, meta)``
    and mmengine Runner checkpoints (``state_dict``, ``meta``, optimizer
    ...), or a bare state dict with this package's key names;
``official``
    researchmm/Stark training checkpoints (``STARKST_ep0050.pth.tar``,
    ``STARKLightningXtrt_ep0500.pth.tar``):
    the state dict under ``net`` (read with the restricted unpickler of
    :mod:`stark_plugin.checkpoint.official_unpickler`);
``mmtracking``
    mmtracking 0.x STARK checkpoints (mmcv-1.x transformer layout:
    ``attentions.N`` / ``ffns.0`` keys).

Official and mmtracking files are converted in memory. Every entry point
(``init_model``, the demo, ``tools/test.py``, the Runner's ``load_from``
and ``--resume``, the stage-2 check, ``tools/model_converters``) reads
through :func:`read_stark_checkpoint` or :func:`load_for_runner`.
"""
import os.path as osp
import re
from collections import OrderedDict
from typing import Any, Dict, NamedTuple, Optional

import torch
from mmengine.logging import print_log

from ..errors import (UnknownCheckpointFormatError, UnknownKeysError,
                      UnsafeCheckpointError)
from ..fileio.atomic import atomic_path
from .converters.lightning import (convert_official_lightning_state_dict,
                                   describe_lightning_state_dict,
                                   is_official_lightning_state_dict)
from .converters.rules import strip_module
from .converters.stark import (convert_mmtrack_state_dict,
                               convert_official_state_dict,
                               describe_state_dict)
from .official_unpickler import load_official_checkpoint
from .safe_load import load_checkpoint_file

FORMATS = ('stark_plugin', 'official', 'mmtracking')

_MMTRACK_MARK = re.compile(r'^head\.transformer\.(encoder|decoder)\.layers\.'
                           r'\d+\.(attentions\.\d+|ffns\.0)\.')
_PLUGIN_MARK = re.compile(r'^(backbone\.|neck\.|head\.|positional_encoding\.)')
_LIGHTNING_MARK = re.compile(r'^(head\.encoder\.|positional_encoding\.'
                             r'encodings\.)')


class StarkCheckpoint(NamedTuple):
    """A checkpoint in this package's layout and where it came from."""

    state_dict: 'OrderedDict[str, torch.Tensor]'
    meta: Dict[str, Any]
    format: str
    path: str

    def model_name(self) -> str:
        """The model these weights are for (:func:`model_name`); a STARK-ST
        stage-1 file without its score head (``missing_prefixes``, as
        mmtracking publishes them) is still a STARK-ST."""
        name = model_name(self.state_dict)
        missing = tuple(self.meta.get('missing_prefixes', ()))
        if 'head.cls_head.' in missing and name.startswith('STARK-S') \
                and not name.startswith('STARK-ST'):
            name = 'STARK-ST' + name[len('STARK-S'):]
        return name

    def describe(self) -> str:
        """One line: format, model variant and backbone depth."""
        return f'{self.format} checkpoint of {self.model_name()}'


def model_name(state_dict: Dict[str, Any]) -> str:
    """``STARK-ST50``-like name of a state dict in this package's layout."""
    if any(_LIGHTNING_MARK.match(k) for k in state_dict):
        deploy = any('.rbr_reparam.' in k for k in state_dict)
        return ('STARK-Lightning (reparameterised)' if deploy else
                'STARK-Lightning')
    info = describe_state_dict(state_dict)
    depth = info['depth']
    if depth is None:  # a small backbone: say what it has
        blocks = info['layer3_blocks']
        layer3 = f'{blocks} layer3 blocks' if blocks else 'no layer3'
        return (f'{info["variant"]} (small backbone with {layer3}, '
                f'{info["num_encoder_layers"]} encoder / '
                f'{info["num_decoder_layers"]} decoder layers)')
    return f'{info["variant"]}{depth}'


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, dict) and bool(obj) and all(
        isinstance(k, str) and torch.is_tensor(v) for k, v in obj.items())


def detect_format(obj: Any) -> Optional[str]:
    """Which of :data:`FORMATS` a loaded checkpoint object is (or None)."""
    if not isinstance(obj, dict):
        return None
    if _is_state_dict(obj.get('net')):
        return 'official'
    state_dict = obj.get('state_dict', obj)
    if not _is_state_dict(state_dict):
        return None
    state_dict = strip_module(state_dict)
    keys = list(state_dict)
    if any(_MMTRACK_MARK.match(k) for k in keys):
        return 'mmtracking'
    if any(k.startswith('backbone.0.body.') for k in keys):
        return 'official'  # a bare official ``net`` state dict
    if is_official_lightning_state_dict(state_dict):
        return 'official'  # a bare official STARK-Lightning ``net``
    if all(_PLUGIN_MARK.match(k) for k in keys):
        return 'stark_plugin'
    return None


def _unknown(path: str, obj: Any) -> UnknownCheckpointFormatError:
    if isinstance(obj, dict):
        found = 'top-level keys ' + ', '.join(map(str, list(obj)[:8]))
        inner = obj.get('state_dict', obj.get('net', obj))
        if isinstance(inner, dict) and inner is not obj:
            found += '; first state-dict keys ' + ', '.join(
                map(str, list(inner)[:5]))
    else:
        found = f'a {type(obj).__name__}'
    return UnknownCheckpointFormatError(
        f'{path}: not a STARK checkpoint of a known format (stark_plugin / '
        f'mmengine Runner, official researchmm/Stark .pth.tar, mmtracking '
        f'0.x); found {found}')


def _read_object(path: str, map_location: Any) -> Any:
    """The file's object: through the allow-listed loader, or, for files
    pickling objects of the official ``lib.*`` package, through the
    restricted official unpickler."""
    try:
        return load_checkpoint_file(path, map_location=map_location)
    except UnsafeCheckpointError as unsafe:
        try:
            return {'net': load_official_checkpoint(path)}
        except Exception:  # not an official file either: the first error
            raise unsafe from None


def _convert(obj: Any, fmt: str, path: str) -> StarkCheckpoint:
    try:
        return _convert_keys(obj, fmt, path)
    except UnknownKeysError as err:
        source = 'official STARK' if fmt == 'official' else fmt
        raise UnknownKeysError(err.keys, f'{source} ({path})') from None


def _convert_keys(obj: Any, fmt: str, path: str) -> StarkCheckpoint:
    meta: Dict[str, Any] = {}
    if fmt == 'official':
        source = strip_module(obj['net'] if 'net' in obj else obj)
        if is_official_lightning_state_dict(source):
            state_dict = convert_official_lightning_state_dict(source)
        else:
            state_dict = convert_official_state_dict(source)
        meta = dict(source='official', source_file=path)
        for key in ('net_type', 'epoch'):
            if key in obj and isinstance(obj[key], (str, int)):
                meta[f'official_{key}'] = obj[key]
    elif fmt == 'mmtracking':
        source = strip_module(obj.get('state_dict', obj))
        state_dict = convert_mmtrack_state_dict(source)
        meta = dict(source='mmtracking', source_file=path)
        if not any(k.startswith('head.cls_head.') for k in state_dict):
            # mmtracking stage-1 checkpoints have no score head
            meta['missing_prefixes'] = ['head.cls_head.']
    else:
        state_dict = strip_module(obj.get('state_dict', obj))
        meta = dict(obj.get('meta') or {}) if 'state_dict' in obj else {}
    return StarkCheckpoint(state_dict, meta, fmt, path)


def read_stark_checkpoint(path: str,
                          map_location: Any = 'cpu') -> StarkCheckpoint:
    """Read ``path`` and return its weights in this package's layout.

    Raises:
        FileNotFoundError: no such file.
        UnknownCheckpointFormatError: not a STARK checkpoint of a known
            format (names the file and what it holds).
        UnknownKeysError: a known format with keys no rule maps.
        CorruptCheckpointError / UnsafeCheckpointError: see
            :func:`stark_plugin.checkpoint.load_checkpoint_file`.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint file not found: {path}')
    obj = _read_object(path, map_location)
    fmt = detect_format(obj)
    if fmt is None:
        raise _unknown(path, obj)
    return _convert(obj, fmt, path)


def load_for_runner(filename: str, map_location: Any = None) -> Any:
    """mmengine's loader of local files (``load_from``, ``--resume``,
    ``init_cfg``): official and mmtracking STARK checkpoints come back
    converted as ``dict(state_dict, meta)``; every other file as read by
    the allow-listed loader."""
    obj = _read_object(filename, map_location)
    fmt = detect_format(obj)
    if fmt not in ('official', 'mmtracking'):
        return obj
    ckpt = _convert(obj, fmt, filename)
    print_log(f'{filename}: {ckpt.describe()}, converted in memory',
              logger='current')
    return dict(state_dict=ckpt.state_dict, meta=ckpt.meta)


def save_converted(ckpt: StarkCheckpoint, dst: str) -> None:
    """Write ``dict(state_dict=..., meta=...)`` atomically (temp + rename):
    a file every entry point reads as this package's format."""
    with atomic_path(dst) as tmp:
        torch.save(
            dict(state_dict=OrderedDict(ckpt.state_dict),
                 meta=dict(ckpt.meta)), tmp)


def describe_weights(state_dict: Dict[str, Any]) -> Dict[str, Any]:
    """Variant summary of a state dict in this package's layout (STARK-S /
    ST with ResNet depth and layer counts, or STARK-Lightning's RepVGG
    stages and form)."""
    if any(_LIGHTNING_MARK.match(k) for k in state_dict):
        return describe_lightning_state_dict(state_dict)
    return describe_state_dict(state_dict)


def summary_line(info: Dict[str, Any]) -> str:
    """One line of :func:`describe_weights`' summary."""
    if info.get('backbone') == 'RepVGG':
        return (f'{info["variant"]}, RepVGG stage blocks '
                f'{info["stage_blocks"]}, {info["form"]} form')
    return (f'{info["variant"]}, ResNet-{info["depth"]}, '
            f'{info["num_encoder_layers"]} encoder / '
            f'{info["num_decoder_layers"]} decoder layers')


def convert_file(src: str, dst: str, expected_format: str) -> StarkCheckpoint:
    """Read ``src`` (which must be of ``expected_format``), record the
    variant summary in its meta and write it to ``dst`` in this package's
    format (``tools/model_converters``).

    Raises:
        UnknownCheckpointFormatError: ``src`` is of another format.
    """
    ckpt = read_stark_checkpoint(src)
    if ckpt.format != expected_format:
        raise UnknownCheckpointFormatError(
            f'{src}: expected an {expected_format} STARK checkpoint, found '
            f'a {ckpt.describe()}')
    meta = dict(ckpt.meta, **describe_weights(ckpt.state_dict))
    if meta.get('missing_prefixes'):
        meta['variant'] = 'STARK-ST (stage 1, no score head)'
    ckpt = ckpt._replace(meta=meta)
    save_converted(ckpt, dst)
    return ckpt
