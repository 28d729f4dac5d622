"""A batch of STARK training samples with the data fields stacked.

The data worker stacks each data field of a batch's ``SOTDataSample``s
into one tensor (:func:`split_batch_fields`, used by
``stark_plugin.datasets.collate.sot_collate``) so that a batch crosses the
worker queue as a few tensors; the data preprocessor puts the rows back on
the samples (:func:`restore_batch_fields`).

In a data worker every stacked tensor of the batch is written into one
shared-memory block (:func:`pack_stacks`): the main process then fetches
one file descriptor per batch from the worker instead of one per tensor.
With a :class:`~stark_plugin.structures.shared_blocks.BlockPool` the block
is one that the main process has finished with, when there is one.
:func:`unpack_batch` gives the batch back with the tensors as views of the
block.
"""
import math
from typing import (Any, Callable, Dict, List, Optional, Sequence, Tuple,
                    Union)

import torch

from .shared_blocks import BlockPool, SentBlock, new_shared_block

#: key of the stacked data-sample fields in a collated batch
BATCH_FIELDS = 'batch_fields'
#: keys of a packed batch: the uint8 block and its layout (``(group, key,
#: dtype name, shape, byte offset)`` per tensor)
PACKED_BLOCK = 'packed_block'
PACKED_LAYOUT = 'packed_layout'
#: byte alignment of each tensor in a packed block
_ALIGN = 64


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


def _block_view(block: torch.Tensor, dtype: str, shape: Tuple[int, ...],
                offset: int) -> torch.Tensor:
    """The tensor of ``dtype`` and ``shape`` at byte ``offset`` of the
    uint8 ``block`` (a view)."""
    dt = getattr(torch, dtype)
    nbytes = math.prod(shape) * dt.itemsize
    return block[offset:offset + nbytes].view(dt).view(shape)


def pack_stacks(groups: Dict[str, Dict[str, Sequence[torch.Tensor]]],
                pool: Optional[BlockPool] = None
                ) -> Tuple[Union[torch.Tensor, SentBlock], tuple]:
    """Stack each list of same-shape tensors of ``groups`` (``{group:
    {key: tensors}}``) into one shared-memory uint8 block; returns the
    block and its layout (for :func:`unpack_batch`). The block is new, or
    with ``pool`` a :class:`~stark_plugin.structures.shared_blocks.
    SentBlock` of the pool (a uint8 tensor once it crossed to another
    process)."""
    layout, offset = [], 0
    for group, stacks in groups.items():
        for key, values in stacks.items():
            first = values[0]
            shape = (len(values), ) + tuple(first.shape)
            layout.append((group, key, str(first.dtype)[len('torch.'):],
                           shape, offset))
            nbytes = math.prod(shape) * first.element_size()
            offset += -(-nbytes // _ALIGN) * _ALIGN
    if pool is None:
        sent = block = new_shared_block(offset)
    else:
        sent = pool.take(offset)
        block = sent.data
    for group, key, dtype, shape, start in layout:
        torch.stack(list(groups[group][key]),
                    out=_block_view(block, dtype, shape, start))
    return sent, tuple(layout)


def unpack_batch(batch: dict) -> dict:
    """A batch of :func:`pack_stacks` with its tensors back in their
    groups (views of the block; the other entries as they are); any other
    batch unchanged."""
    if PACKED_LAYOUT not in batch:
        return batch
    out = {k: v for k, v in batch.items()
           if k not in (PACKED_BLOCK, PACKED_LAYOUT)}
    block = batch[PACKED_BLOCK]
    if isinstance(block, SentBlock):  # not sent to another process
        block = block.data
    for group, key, dtype, shape, offset in batch[PACKED_LAYOUT]:
        out.setdefault(group, {})[key] = _block_view(block, dtype,
                                                     tuple(shape), offset)
    return out
