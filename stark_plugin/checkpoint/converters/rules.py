"""Key-mapping rules: ``(regex, replacement)`` pairs applied to the keys
of a state dict, shared by every converter."""
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Tuple

import torch

from ...errors import UnknownKeysError

__all__ = ['Rule', 'StateDict', 'compile_rules', 'apply_rules',
           'strip_module']

StateDict = Dict[str, torch.Tensor]

Rule = Tuple[re.Pattern, Optional[Callable[[re.Match], str]]]


def compile_rules(table: List[Tuple[str, Optional[str]]]) -> List[Rule]:
    """Compile ``(regex, replacement template or None=drop)`` pairs."""
    compiled = []
    for pattern, repl in table:
        regex = re.compile(pattern)
        if repl is None:
            compiled.append((regex, None))
        else:
            compiled.append((regex, lambda m, r=repl: m.expand(r)))
    return compiled


def apply_rules(state_dict: StateDict, rules: List[Rule], source: str,
                 extra: Optional[Callable[[str], Optional[str]]] = None
                 ) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Map every key of ``state_dict`` by the first rule that matches
    (``extra(key)``, tried first, may map a key itself).

    Returns the converted state dict and the keys dropped by a rule with
    no replacement.

    Raises:
        UnknownKeysError: naming every key no rule maps.
        KeyError: two source keys map to the same key.
    """
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


def strip_module(state_dict: Dict[str, object]) -> 'OrderedDict[str, object]':
    """Drop the ``module.`` prefix of a (Distributed)DataParallel model."""
    return OrderedDict((k[7:] if k.startswith('module.') else k, v)
                       for k, v in state_dict.items())
