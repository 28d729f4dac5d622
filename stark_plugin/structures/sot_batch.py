"""A batch of STARK training samples with the data fields stacked.

The data worker stacks each data field of a batch's ``SOTDataSample``s
into one tensor (:func:`split_batch_fields`, used by
``stark_plugin.datasets.collate.sot_collate``) so that a batch crosses the
worker queue as a few tensors; the data preprocessor puts the rows back on
the samples (:func:`restore_batch_fields`).
"""
from typing import Any, Callable, Dict, List, Sequence, Tuple

import torch

#: key of the stacked data-sample fields in a collated batch
BATCH_FIELDS = 'batch_fields'


def stackable(values: Sequence[Any]) -> bool:
    """True when ``values`` are tensors of one shape and dtype."""
    first = values[0]
    return all(isinstance(v, torch.Tensor) and v.shape == first.shape
               and v.dtype == first.dtype for v in values)


def split_batch_fields(
    samples: Sequence[Any],
    stack: Callable[[List[torch.Tensor]], torch.Tensor] = torch.stack
) -> Tuple[List[Any], Dict[str, torch.Tensor]]:
    """``(samples without the stacked fields, {name: (B, ...) tensor})``.

    A field is stacked (by ``stack``) when every sample has it with one
    shape and dtype; other fields stay on their samples. The returned
    samples are new objects of the same class with the same meta
    information.
    """
    fields: Dict[str, torch.Tensor] = {}
    for key in samples[0].keys():
        if all(key in s for s in samples):
            values = [s.get(key) for s in samples]
            if stackable(values):
                fields[key] = stack(values)
    light = []
    for sample in samples:
        rest = type(sample)(metainfo=sample.metainfo)
        for key in sample.keys():
            if key not in fields:
                rest.set_field(sample.get(key), key)
        light.append(rest)
    return light, fields


def restore_batch_fields(samples: List[Any],
                         fields: Dict[str, torch.Tensor]) -> List[Any]:
    """Put stacked fields back on the samples (row ``i`` on sample ``i``).
    """
    for key, value in fields.items():
        if len(value) != len(samples):
            raise ValueError(f'batch field {key!r} has {len(value)} rows '
                             f'for {len(samples)} data samples')
        for sample, row in zip(samples, value):
            sample.set_field(row, key)
    return samples
