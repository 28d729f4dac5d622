"""Batching STARK training samples inside the data worker, and the data
workers' thread settings.

mmengine's ``pseudo_collate`` hands the main process lists of per-sample
tensors. Every tensor that crosses the worker queue travels as a separate
shared-memory block whose file descriptor the main process fetches from
the worker over a socket of its own (connect, receive, map): with 16
samples of two crops and five (stage 1) or six (stage 2) data-sample
fields that is 112 or 128 handshakes per batch, all in the main process,
which then competes with the workers for the cores. :func:`sot_collate`
stacks the crops and every data field of the batch into one tensor each
(seven or eight per batch), in a data worker all of them into one
shared-memory block (one handshake per batch; the worker reuses a few
blocks that the main process has finished with, see
:mod:`stark_plugin.structures.shared_blocks`), and leaves the data samples
with their meta information; the data preprocessor puts the fields back
(:func:`~stark_plugin.structures.sot_batch.restore_batch_fields`), so the
model sees the same tensors as with ``pseudo_collate``.

:func:`sot_worker_init` keeps a data worker on one thread: the workers
already run in parallel, and OpenCV's default thread pool (one thread per
core in every worker) only adds threads that compete for the same cores.
"""
import random
from typing import Sequence

import cv2
import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from torch.utils.data import get_worker_info

from stark_plugin.registry import FUNCTIONS
from stark_plugin.structures.shared_blocks import worker_block_pool
from stark_plugin.structures.sot_batch import (BATCH_FIELDS, PACKED_BLOCK,
                                               PACKED_LAYOUT, pack_stacks,
                                               split_batch_fields, stackable)


def _stack(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """``torch.stack`` of same-shape tensors on one thread (main process:
    numpy copies; torch's parallel copy stalls (~100x measured) while
    another process holds one of the cores its threads need)."""
    return torch.from_numpy(np.stack([t.numpy() for t in tensors]))


@FUNCTIONS.register_module()
def sot_collate(data_batch: Sequence[dict], block_pool_size: int = 4) -> dict:
    """Stack a batch of ``PackSOTInputs`` samples into a few tensors.

    Returns ``dict(inputs=dict(template=uint8 (B, T, 3, Ht, Wt),
    search=uint8 (B, 1, 3, Hs, Ws)), data_samples=[SOTDataSample, ...],
    batch_fields=dict(name=(B, ...) tensor))``: every data field that all
    samples have with one shape and dtype is stacked into ``batch_fields``
    (:func:`~stark_plugin.structures.sot_batch.split_batch_fields`), the
    samples keep their meta information and any other field. In a data
    worker all these tensors are written into one shared-memory block
    that crosses the queue as one tensor (``packed_block`` and
    ``packed_layout`` instead of ``inputs`` and ``batch_fields``;
    :func:`~stark_plugin.structures.sot_batch.unpack_batch` gives the
    dict above). Samples whose crops differ in size fall back to
    ``pseudo_collate``.

    ``block_pool_size``: shared-memory blocks a data worker keeps and
    writes again once the main process has dropped their batch
    (:class:`~stark_plugin.structures.shared_blocks.BlockPool`; the
    default covers the DataLoader's default ``prefetch_factor`` of 2 with
    the batch in use; 0: a new block for every batch).
    """
    inputs = [d['inputs'] for d in data_batch]
    if not all(stackable([i[k] for i in inputs]) for k in inputs[0]):
        return pseudo_collate(data_batch)
    in_worker = get_worker_info() is not None
    samples, fields = split_batch_fields(
        [d['data_samples'] for d in data_batch],
        stack=list if in_worker else _stack)
    stacks = {k: [i[k] for i in inputs] for k in inputs[0]}
    if in_worker:
        pool = worker_block_pool(block_pool_size)
        block, layout = pack_stacks({'inputs': stacks, BATCH_FIELDS: fields},
                                    pool=pool)
        return {PACKED_BLOCK: block, PACKED_LAYOUT: layout,
                'data_samples': samples}
    return {
        'inputs': {k: _stack(v) for k, v in stacks.items()},
        'data_samples': samples,
        BATCH_FIELDS: fields,
    }


@FUNCTIONS.register_module()
def sot_worker_init(worker_id: int) -> None:
    """Data-worker start: one OpenCV and one torch thread, and numpy's and
    Python's generators seeded from the worker's torch seed (which the
    DataLoader derives from the run's seed and the worker id).

    Training samples do not depend on these generators (each sample seeds
    its own, :mod:`stark_plugin.datasets.sample_draw`); the seeding only
    keeps any other use of them reproducible and distinct per worker.
    """
    # 0: OpenCV runs everything on the calling thread. Not 1: with
    # OpenCV's pthreads pool, setNumThreads(1) in a forked worker of a
    # process that had used the pool waits forever for the pool's threads
    # (which a fork does not copy).
    cv2.setNumThreads(0)
    torch.set_num_threads(1)
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)
