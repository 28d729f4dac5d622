"""Common shape of a named evaluation protocol."""
from typing import Dict, List, Sequence, Tuple

import numpy as np

from ..sequence import ProtocolResult, SequenceInput, ToolkitError

__all__ = ['BaseProtocol']

ON_INVALID = ('miss', 'toolkit')


class BaseProtocol:
    """A toolkit's scoring rules.

    Args:
        benchmark: the dataset the sequences come from (``lasot``,
            ``got10k``, ``trackingnet``, ``otb100``, ``uav123``, ``custom``);
            some toolkits behave differently per dataset.
        on_invalid: ``'miss'`` (default): where the toolkit would crash or
            give NaN on an invalid prediction, count the frame as a miss and
            warn. ``'toolkit'``: do exactly what the toolkit does (raise
            :class:`ToolkitError` per sequence, or let NaN through).
    """
    name = 'base'
    #: dataset-level metric keys, in table order
    metric_keys: Tuple[str, ...] = ()

    def __init__(self, benchmark: str = 'custom', on_invalid: str = 'miss'):
        if on_invalid not in ON_INVALID:
            raise ValueError(f'on_invalid must be one of {ON_INVALID}, '
                             f'got {on_invalid!r}')
        self.benchmark = benchmark.lower()
        self.on_invalid = on_invalid

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(name={self.name!r}, '
                f'benchmark={self.benchmark!r}, '
                f'on_invalid={self.on_invalid!r})')

    # -- to implement --------------------------------------------------
    def evaluate_sequence(self, seq: SequenceInput) -> Dict[str, object]:
        """Per-sequence state (curves, counts) consumed by :meth:`aggregate`.

        Must contain ``'per_sequence'``: the dict reported for the video.
        """
        raise NotImplementedError

    def aggregate(self, states: List[Dict[str, object]]
                  ) -> Tuple[Dict[str, object], Dict[str, Tuple[np.ndarray,
                                                                np.ndarray]]]:
        """Dataset-level metrics (percent) and curves from the states."""
        raise NotImplementedError

    # -- driver ---------------------------------------------------------
    def evaluate(self, sequences: Sequence[SequenceInput]) -> ProtocolResult:
        """Score ``sequences`` (sorted by name) and aggregate them."""
        sequences = sorted(sequences, key=lambda s: s.name)
        names = [s.name for s in sequences]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f'duplicate video names: {dup}')
        per_sequence: Dict[str, Dict[str, object]] = {}
        states, error = [], None
        for seq in sequences:
            try:
                state = self.evaluate_sequence(seq)
            except ToolkitError as exc:
                error = f'Exception: {exc}'
                per_sequence[seq.name] = {'error': error}
                continue
            per_sequence[seq.name] = state['per_sequence']
            if not state.get('skip', False):
                states.append(state)
        if error is not None:
            return ProtocolResult(self.name, {'error': error}, per_sequence)
        if not states:
            raise ValueError(f'[{self.name}] no sequence could be scored')
        metrics, curves = self.aggregate(states)
        return ProtocolResult(self.name, metrics, per_sequence, curves)
