"""Key mapping from published STARK checkpoints to this package's layout.

Two sources:

* the official code (researchmm/Stark, ``*.pth.tar``): state dict under
  ``net``; the file also pickles objects of the official ``lib.*`` modules,
  read here through :func:`load_official_checkpoint`, a restricted
  unpickler that stubs exactly those classes;
* mmtracking 0.x (``stark_st*_r50_*.pth``): mmcv-1.x transformer layout.

Both map onto mmdet-3.x module names::

    backbone.*             mmdet ResNet (FrozenBN: no num_batches_tracked)
    neck.convs.0.conv.*    1x1 conv 1024 -> 256
    head.transformer.encoder.layers.N.{self_attn.attn, ffn.layers, norms}
    head.transformer.decoder.layers.N.{self_attn.attn, cross_attn.attn,
                                       ffn.layers, norms}
    head.transformer.decoder.post_norm.*
    head.query_embedding.weight
    head.bbox_head.{tl,br}_corner_pred.{0-3}.{conv,bn}.*, .4.*
    head.cls_head.layers.{0,1,2}.*  (STARK-ST only)
"""
import io
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch

from stark_plugin.utils.io import atomic_path

StateDict = Dict[str, torch.Tensor]


class UnknownKeysError(KeyError):
    """Keys of a source checkpoint that no rule maps."""

    def __init__(self, keys: List[str], source: str) -> None:
        self.keys = keys
        shown = ', '.join(keys[:10])
        more = f' (and {len(keys) - 10} more)' if len(keys) > 10 else ''
        super().__init__(f'{len(keys)} unknown key(s) in the {source} '
                         f'checkpoint: {shown}{more}')

    def __str__(self) -> str:
        return self.args[0]


Rule = Tuple[re.Pattern, Optional[Callable[[re.Match], str]]]


def _rules(table: List[Tuple[str, Optional[str]]]) -> List[Rule]:
    """Compile ``(regex, replacement template or None=drop)`` pairs."""
    compiled = []
    for pattern, repl in table:
        regex = re.compile(pattern)
        if repl is None:
            compiled.append((regex, None))
        else:
            compiled.append((regex, lambda m, r=repl: m.expand(r)))
    return compiled


_ENC = r'transformer\.encoder\.layers\.(\d+)\.'
_DEC = r'transformer\.decoder\.layers\.(\d+)\.'
_T = 'head.transformer.'
_CORNER = {'1': '0', '2': '1', '3': '2', '4': '3'}

OFFICIAL_RULES = _rules([
    (r'^backbone\.0\.body\.(.+)$', r'backbone.\1'),
    (r'^bottleneck\.(weight|bias)$', r'neck.convs.0.conv.\1'),
    (_ENC + r'self_attn\.(.+)$', _T + r'encoder.layers.\1.self_attn.attn.\2'),
    (_ENC + r'linear1\.(weight|bias)$',
     _T + r'encoder.layers.\1.ffn.layers.0.0.\2'),
    (_ENC + r'linear2\.(weight|bias)$',
     _T + r'encoder.layers.\1.ffn.layers.1.\2'),
    (_ENC + r'norm1\.(weight|bias)$', _T + r'encoder.layers.\1.norms.0.\2'),
    (_ENC + r'norm2\.(weight|bias)$', _T + r'encoder.layers.\1.norms.1.\2'),
    (_DEC + r'self_attn\.(.+)$', _T + r'decoder.layers.\1.self_attn.attn.\2'),
    (_DEC + r'multihead_attn\.(.+)$',
     _T + r'decoder.layers.\1.cross_attn.attn.\2'),
    (_DEC + r'linear1\.(weight|bias)$',
     _T + r'decoder.layers.\1.ffn.layers.0.0.\2'),
    (_DEC + r'linear2\.(weight|bias)$',
     _T + r'decoder.layers.\1.ffn.layers.1.\2'),
    (_DEC + r'norm1\.(weight|bias)$', _T + r'decoder.layers.\1.norms.0.\2'),
    (_DEC + r'norm2\.(weight|bias)$', _T + r'decoder.layers.\1.norms.1.\2'),
    (_DEC + r'norm3\.(weight|bias)$', _T + r'decoder.layers.\1.norms.2.\2'),
    (r'^transformer\.decoder\.norm\.(weight|bias)$',
     _T + r'decoder.post_norm.\1'),
    (r'^query_embed\.weight$', 'head.query_embedding.weight'),
    (r'^cls_head\.layers\.(\d+)\.(weight|bias)$',
     r'head.cls_head.layers.\1.\2'),
])

# corner head: conv{1-4}_{tl,br}.{0: conv, 1: bn}, conv5_{tl,br}: last conv
_CORNER_RE = re.compile(
    r'^box_head\.conv([1-5])_(tl|br)\.(?:(0|1)\.)?'
    r'(weight|bias|running_mean|running_var|num_batches_tracked)$')

MMTRACK_RULES = _rules([
    (r'^backbone\.(.+)\.num_batches_tracked$', None),
    (r'^backbone\.(.+)$', r'backbone.\1'),
    (r'^neck\.convs\.0\.conv\.(weight|bias)$', r'neck.convs.0.conv.\1'),
    (r'^head\.' + _ENC + r'attentions\.0\.attn\.(.+)$',
     _T + r'encoder.layers.\1.self_attn.attn.\2'),
    (r'^head\.' + _ENC + r'ffns\.0\.layers\.(0\.0|1)\.(weight|bias)$',
     _T + r'encoder.layers.\1.ffn.layers.\2.\3'),
    (r'^head\.' + _ENC + r'norms\.([01])\.(weight|bias)$',
     _T + r'encoder.layers.\1.norms.\2.\3'),
    (r'^head\.' + _DEC + r'attentions\.0\.attn\.(.+)$',
     _T + r'decoder.layers.\1.self_attn.attn.\2'),
    (r'^head\.' + _DEC + r'attentions\.1\.attn\.(.+)$',
     _T + r'decoder.layers.\1.cross_attn.attn.\2'),
    (r'^head\.' + _DEC + r'ffns\.0\.layers\.(0\.0|1)\.(weight|bias)$',
     _T + r'decoder.layers.\1.ffn.layers.\2.\3'),
    (r'^head\.' + _DEC + r'norms\.([012])\.(weight|bias)$',
     _T + r'decoder.layers.\1.norms.\2.\3'),
    (r'^head\.transformer\.decoder\.post_norm\.(weight|bias)$',
     _T + r'decoder.post_norm.\1'),
    (r'^head\.query_embedding\.weight$', 'head.query_embedding.weight'),
    (r'^head\.bbox_head\.((?:tl|br)_corner_pred\.[0-3]\.(?:conv|bn)\.'
     r'(?:weight|bias|running_mean|running_var|num_batches_tracked))$',
     r'head.bbox_head.\1'),
    (r'^head\.bbox_head\.((?:tl|br)_corner_pred\.4\.(?:weight|bias))$',
     r'head.bbox_head.\1'),
    (r'^head\.cls_head\.layers\.(\d+)\.(weight|bias)$',
     r'head.cls_head.layers.\1.\2'),
])


def _official_corner_key(key: str) -> Optional[str]:
    m = _CORNER_RE.match(key)
    if m is None:
        return None
    idx, corner, sub, name = m.groups()
    branch = f'head.bbox_head.{corner}_corner_pred'
    if idx == '5':
        if sub is not None or name not in ('weight', 'bias'):
            return None
        return f'{branch}.4.{name}'
    if sub is None:
        return None
    if sub == '0':
        if name not in ('weight', 'bias'):
            return None
        return f'{branch}.{_CORNER[idx]}.conv.{name}'
    return f'{branch}.{_CORNER[idx]}.bn.{name}'


def _apply_rules(state_dict: StateDict, rules: List[Rule], source: str,
                 extra: Optional[Callable[[str], Optional[str]]] = None
                 ) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    unknown, dropped = [], []
    for key, value in state_dict.items():
        new_key = extra(key) if extra is not None else None
        if new_key is None:
            for regex, repl in rules:
                m = regex.match(key)
                if m is not None:
                    if repl is None:
                        dropped.append(key)
                        new_key = ''
                    else:
                        new_key = repl(m)
                    break
        if new_key is None:
            unknown.append(key)
        elif new_key:
            if new_key in out:
                raise KeyError(f'two {source} keys map to {new_key}')
            out[new_key] = value
    if unknown:
        raise UnknownKeysError(unknown, source)
    return out, dropped


def describe_state_dict(state_dict: StateDict) -> Dict[str, Any]:
    """Model variant of a converted state dict: S/ST and ResNet depth."""
    has_cls = any(k.startswith('head.cls_head.') for k in state_dict)
    blocks = {
        int(m.group(1))
        for k in state_dict
        for m in [re.match(r'^backbone\.layer3\.(\d+)\.', k)] if m
    }
    n3 = max(blocks) + 1 if blocks else 0
    depth = {6: 50, 23: 101}.get(n3)
    return dict(
        variant='STARK-ST' if has_cls else 'STARK-S',
        depth=depth,
        layer3_blocks=n3,
        num_encoder_layers=_count(state_dict, 'encoder'),
        num_decoder_layers=_count(state_dict, 'decoder'))


def _count(state_dict: StateDict, part: str) -> int:
    ids = {
        int(m.group(1))
        for k in state_dict
        for m in [re.match(rf'^head\.transformer\.{part}\.layers\.(\d+)\.', k)]
        if m
    }
    return len(ids)


def convert_official_state_dict(
        state_dict: StateDict) -> 'OrderedDict[str, torch.Tensor]':
    """Official STARK ``net`` state dict -> this package's layout.

    Raises:
        UnknownKeysError: naming every key no rule maps.
    """
    out, _ = _apply_rules(state_dict, OFFICIAL_RULES, 'official STARK',
                          extra=_official_corner_key)
    return out


def official_key_to_plugin(key: str) -> str:
    """This package's name of one official STARK state-dict key.

    Raises:
        UnknownKeysError: when no rule maps the key.
    """
    out, _ = _apply_rules({key: None}, OFFICIAL_RULES, 'official STARK',
                          extra=_official_corner_key)
    return next(iter(out))


def convert_mmtrack_state_dict(
        state_dict: StateDict) -> 'OrderedDict[str, torch.Tensor]':
    """mmtracking 0.x STARK state dict -> this package's layout.

    The backbone's BN ``num_batches_tracked`` buffers are dropped (the
    backbone uses FrozenBN). mmtracking's stage-1 checkpoints have no score
    head; the result then lacks ``head.cls_head.*``.
    """
    out, _ = _apply_rules(state_dict, MMTRACK_RULES, 'mmtracking')
    return out


# ---------------------------------------------------------------------------
# official checkpoint files


class _OfficialStub:
    """Placeholder for an object of the official code's ``lib.*`` modules."""

    def __init__(self, *args, **kwargs) -> None:
        self._args = args

    def __setstate__(self, state) -> None:
        self._state = state

    def __call__(self, *args, **kwargs) -> '_OfficialStub':
        return self


_TORCH_REBUILD = re.compile(r'^_rebuild_[a-z0-9_]+$')


def _allowed_global(module: str, name: str) -> bool:
    if module == 'collections' and name == 'OrderedDict':
        return True
    if module == 'torch._utils' and _TORCH_REBUILD.match(name):
        return True
    if module == 'torch._tensor' and name == '_rebuild_from_type_v2':
        return True
    if module == 'torch' and (name == 'Size' or name.endswith('Storage') or
                              isinstance(getattr(torch, name, None),
                                         torch.dtype)):
        return True
    if module == 'torch.storage' and name in ('UntypedStorage',
                                              'TypedStorage'):
        return True
    if module == 'copyreg' and name == '_reconstructor':
        return True
    if module == 'builtins' and name in ('object', 'set', 'frozenset',
                                         'slice', 'complex'):
        return True
    if module in ('numpy', 'numpy.core.multiarray',
                  'numpy._core.multiarray') and name in (
                      'ndarray', 'dtype', '_reconstruct', 'scalar'):
        return True
    return False


class _RestrictedUnpickler(pickle.Unpickler):
    """Loads tensors and containers; stubs classes of the official ``lib``
    package; refuses everything else."""

    stubbed: Dict[str, type] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == 'lib' or module.startswith('lib.'):
            qual = f'{module}.{name}'
            if qual not in self.stubbed:
                self.stubbed[qual] = type(name, (_OfficialStub, ),
                                          {'__module__': module})
            return self.stubbed[qual]
        if _allowed_global(module, name):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f'refusing to unpickle global {module}.{name} from an official '
            f'STARK checkpoint (only tensors, containers and objects of the '
            f'official lib.* modules are expected)')


class _RestrictedPickleModule:
    """A ``pickle_module`` for ``torch.load`` using the restricted loader."""

    Unpickler = _RestrictedUnpickler
    UnpicklingError = pickle.UnpicklingError
    __name__ = 'stark_restricted_pickle'

    @staticmethod
    def load(file, **kwargs):
        return _RestrictedUnpickler(file, **kwargs).load()

    @staticmethod
    def loads(data, **kwargs):
        return _RestrictedUnpickler(io.BytesIO(data), **kwargs).load()


def load_official_checkpoint(path: str) -> 'OrderedDict[str, torch.Tensor]':
    """Read the ``net`` state dict of an official STARK ``.pth.tar``.

    Objects of the official code (``lib.*``: training settings, stats, net
    constructor) are replaced by inert stubs and dropped; any other
    non-tensor global is refused.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint file not found: {path}')
    from stark_plugin.utils.checkpoint import check_checkpoint_file
    check_checkpoint_file(path)  # truncated / corrupt: one clear error
    ckpt = torch.load(
        path,
        map_location='cpu',
        pickle_module=_RestrictedPickleModule,
        weights_only=False)
    if not isinstance(ckpt, dict) or 'net' not in ckpt:
        keys = list(ckpt)[:10] if isinstance(ckpt, dict) else type(ckpt)
        raise KeyError(f'{path}: not an official STARK checkpoint (no "net" '
                       f'entry; found {keys})')
    return OrderedDict(ckpt['net'])


def load_mmtrack_checkpoint(path: str) -> 'OrderedDict[str, torch.Tensor]':
    """Read the ``state_dict`` of an mmtracking 0.x checkpoint."""
    from stark_plugin.utils import load_checkpoint_file
    ckpt = load_checkpoint_file(path, map_location='cpu')
    if isinstance(ckpt, dict) and 'state_dict' in ckpt:
        return OrderedDict(ckpt['state_dict'])
    raise KeyError(f'{path}: not an mmtracking checkpoint (no "state_dict")')


def save_converted(state_dict: StateDict, dst: str,
                   meta: Optional[dict] = None) -> None:
    """Write ``dict(state_dict=..., meta=...)`` atomically (temp + rename)."""
    with atomic_path(dst) as tmp:
        torch.save(
            dict(state_dict=OrderedDict(state_dict), meta=dict(meta or {})),
            tmp)
