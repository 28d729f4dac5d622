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
"""
import ast
from typing import Any, Dict

from mmengine.config import Config

from ..errors import UntrustedConfigError

__all__ = ['parse_stored_config', 'TRUST_HINT']

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
        tree = ast.parse(text, filename=source)
    except RecursionError:
        raise UntrustedConfigError(
            f'{source}: the config stored in the checkpoint is nested too '
            f'deeply to be a config; {TRUST_HINT}') from None
    except SyntaxError as err:
        raise UntrustedConfigError(
            f'{source}: the config stored in the checkpoint is not valid '
            f'config text (line {err.lineno}: {err.msg}); {TRUST_HINT}'
        ) from None
    try:
        cfg = _assignments(tree)
    except RecursionError:
        raise UntrustedConfigError(
            f'{source}: the config stored in the checkpoint is nested too '
            f'deeply to be a config; {TRUST_HINT}') from None
    except _Refused as err:
        raise UntrustedConfigError(
            f'{source}: the config stored in the checkpoint holds code, not '
            f'just settings (line {err.line}: {err}); it was not run. '
            f'{TRUST_HINT[0].upper()}{TRUST_HINT[1:]}') from None
    return Config(cfg, cfg_text=text, filename=source)
