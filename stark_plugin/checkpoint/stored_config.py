"""Reading the config text stored in a checkpoint without running it.

mmengine Runner checkpoints keep the training config as Python text in
``meta['cfg']``. Parsing it with ``Config.fromstring(text, '.py')``
*executes* that text, and a checkpoint is often a file from a stranger.
:func:`parse_stored_config` accepts only what mmengine writes for a
config (``cfg.pretty_text``): assignments of literals, ``dict(...)`` with
keyword arguments, ``{...}``, lists and tuples. Names, attribute access,
any other call, imports, comprehensions and lambdas are refused with
:class:`~stark_plugin.errors.UntrustedConfigError`, naming the file, the
line and the way out. ``trust=True`` (``--trust-checkpoint-config``) runs
the text as mmengine does, for a file the user vouches for.

mmengine's ``Runner.resume`` also runs ``meta['config']`` (the key of
older mmcv / mmengine checkpoints) with ``Config.fromstring`` to read
``gpu_ids``: :func:`make_resume_meta_safe` replaces it by the plain
``gpu_ids`` it holds before the Runner looks at it.
"""
import ast
from typing import Any, Dict

from mmengine.config import Config

from ..errors import UntrustedConfigError

__all__ = ['parse_stored_config', 'make_resume_meta_safe', 'TRUST_HINT']

#: how a user gets past a refused stored config
TRUST_HINT = ('pass the model config explicitly (--config / the config '
              'argument), or, only if you trust the file, '
              '--trust-checkpoint-config (trust_config=True), which runs '
              'the stored config as Python')


class _Refused(Exception):

    def __init__(self, node: ast.AST, what: str) -> None:
        super().__init__(what)
        self.line = getattr(node, 'lineno', 0)


def _value(node: ast.AST) -> Any:
    """The Python value of one literal expression of a stored config."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(
            node.op, (ast.USub, ast.UAdd)) and isinstance(
                node.operand, ast.Constant) and isinstance(
                    node.operand.value, (int, float, complex)) and \
            not isinstance(node.operand.value, bool):
        value = node.operand.value
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_value(e) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _Refused(node, '**-unpacking in a dict')
        return {_value(k): _value(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == 'dict' and not node.args and all(
                kw.arg is not None for kw in node.keywords):
        return {kw.arg: _value(kw.value) for kw in node.keywords}
    raise _Refused(node, f'{_describe(node)} (only literals, dict(...), '
                   f'lists and tuples are accepted)')


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        func = ast.unparse(node.func) if hasattr(ast, 'unparse') else 'a call'
        return f'a call of {func}(...)'
    if isinstance(node, ast.Name):
        return f'the name {node.id!r}'
    if isinstance(node, ast.Attribute):
        return 'an attribute access'
    return f'a {type(node).__name__} expression'


def _assignments(tree: ast.Module) -> Dict[str, Any]:
    cfg: Dict[str, Any] = {}
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            raise _Refused(stmt, f'a {type(stmt).__name__} statement (only '
                           f'"name = literal" assignments are accepted)')
        cfg[stmt.targets[0].id] = _value(stmt.value)
    return cfg


class _NotPlain(Exception):
    """Why a stored config text is not plain settings."""


def _plain_settings(text: str, source: str) -> Dict[str, Any]:
    """The settings of a stored config text that holds plain data only.

    Raises:
        _NotPlain: with the reason, for any other text.
    """
    try:
        return _assignments(ast.parse(text, filename=source))
    except RecursionError:
        raise _NotPlain('it is nested too deeply to be a config') from None
    except SyntaxError as err:
        raise _NotPlain(f'it is not valid config text (line {err.lineno}: '
                        f'{err.msg})') from None
    except _Refused as err:
        raise _NotPlain(f'it holds code, not just settings (line '
                        f'{err.line}: {err}); it was not run') from None


def parse_stored_config(text: str, source: str,
                        trust: bool = False) -> Config:
    """The :class:`mmengine.Config` of config text stored in ``source``.

    Raises:
        UntrustedConfigError: the text holds anything but plain data (and
            ``trust`` is False), or is not valid Python.
    """
    if trust:
        return Config.fromstring(text, file_format='.py')
    try:
        cfg = _plain_settings(text, source)
    except _NotPlain as err:
        raise UntrustedConfigError(
            f'{source}: refused the config stored in the checkpoint: {err}. '
            f'{TRUST_HINT[0].upper()}{TRUST_HINT[1:]}') from None
    return Config(cfg, cfg_text=text, filename=source)


def make_resume_meta_safe(meta: dict, source: str, resuming: bool) -> None:
    """Replace ``meta['config']`` in place by a text that holds only its
    ``gpu_ids`` (read as plain data), or drop it when there are none.

    mmengine's ``Runner.resume`` executes ``meta['config']`` to compare
    the GPU count; with the replacement it still does that comparison and
    runs nothing from the file.

    Raises:
        UntrustedConfigError: ``resuming`` and ``meta['config']`` holds
            code (without ``resuming`` the text is not used: dropped).
    """
    text = meta.get('config')
    if text is None:
        return
    try:
        if not isinstance(text, str):
            raise _NotPlain(f'it is a {type(text).__name__}, not text')
        gpu_ids = _plain_settings(text, source).get('gpu_ids')
    except _NotPlain as err:
        if resuming:
            raise UntrustedConfigError(
                f'refusing to resume from {source}: the config stored in '
                f'its meta["config"], which mmengine\'s resume runs as '
                f'Python, is not plain settings: {err}. Resume only from '
                f'checkpoints of your own runs, or load just the weights '
                f'with load_from (without --resume)') from None
        gpu_ids = None
    if isinstance(gpu_ids, (list, tuple)) and all(
            type(i) is int for i in gpu_ids):
        meta['config'] = f'gpu_ids = {list(gpu_ids)!r}\n'
    else:
        del meta['config']
