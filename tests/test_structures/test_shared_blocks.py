"""A data worker's pool of shared-memory blocks: a block is written again
only after the main process dropped the batch in it."""
import mmap
import os

import pytest
import torch
import torch.multiprocessing as torch_mp
from torch.utils.data import DataLoader, Dataset

from stark_plugin.structures import shared_blocks
from stark_plugin.structures.shared_blocks import (FREE, HEADER_BYTES, SENT,
                                                   BlockPool, SentBlock,
                                                   received_block,
                                                   worker_block_pool)
from stark_plugin.structures.sot_batch import (PACKED_BLOCK, PACKED_LAYOUT,
                                               pack_stacks, unpack_batch)

BATCH = 2
BATCHES = 12
#: the release mark travels only with torch's file_descriptor strategy
needs_fd_sharing = pytest.mark.skipif(
    torch_mp.get_sharing_strategy() != 'file_descriptor',
    reason='the release mark needs the file_descriptor sharing strategy')


class _Numbers(Dataset):
    """Item ``i``: a vector filled with ``i``."""

    def __len__(self):
        return BATCH * BATCHES

    def __getitem__(self, i):
        return torch.full((3000, ), i, dtype=torch.int32)


class _PackInPool:
    """Collate into the worker's pool (``capacity`` blocks)."""

    def __init__(self, capacity):
        self.capacity = capacity

    def __call__(self, items):
        block, layout = pack_stacks({'g': {'x': items}},
                                    pool=worker_block_pool(self.capacity))
        return {PACKED_BLOCK: block, PACKED_LAYOUT: layout}


def _inode(tensor):
    fd, _ = tensor.untyped_storage()._share_fd_cpu_()
    return os.fstat(fd).st_ino


def _run(capacity, keep, context='fork'):
    """Batches of a 1-worker loader (``context``: how the worker starts):
    checked on arrival, batch ``j`` kept where ``keep(j)``, else dropped;
    returns the blocks (inodes) they came in and the kept ``(j, batch)``.
    """
    loader = DataLoader(_Numbers(), batch_size=BATCH, num_workers=1,
                        collate_fn=_PackInPool(capacity), timeout=120,
                        multiprocessing_context=context)
    inodes, kept = [], []
    for j, batch in enumerate(loader):
        inodes.append(_inode(batch[PACKED_BLOCK]))
        x = unpack_batch(batch)['g']['x']
        assert x[:, 0].tolist() == [BATCH * j + k for k in range(BATCH)]
        if keep(j):
            kept.append((j, x))
        del batch, x
    return inodes, kept


def _assert_intact(kept):
    for j, x in kept:
        expected = torch.arange(BATCH * j, BATCH * (j + 1),
                                dtype=torch.int32)[:, None].expand_as(x)
        assert torch.equal(x, expected)


@needs_fd_sharing
def test_dropped_batches_free_their_blocks_for_the_worker():
    inodes, _ = _run(capacity=4, keep=lambda j: False)
    assert len(inodes) == BATCHES
    # the worker wrote later batches into blocks of earlier ones
    assert len(set(inodes)) <= 4 < BATCHES
    # without a pool every batch comes in a new block
    fresh, _ = _run(capacity=0, keep=lambda j: False)
    assert len(set(fresh)) == BATCHES


def test_kept_batches_are_never_overwritten():
    inodes, kept = _run(capacity=4, keep=lambda j: True)
    assert len(set(inodes)) == BATCHES
    _assert_intact(kept)


def _watch(block):
    """A separate mapping of ``block``'s header (what the worker sees)."""
    fd, _ = block.untyped_storage()._share_fd_cpu_()
    return mmap.mmap(fd, HEADER_BYTES)


def test_the_receiver_marks_the_block_free_when_the_last_view_is_gone():
    block = shared_blocks.new_shared_block(HEADER_BYTES + 100)
    block[0] = SENT
    header = _watch(block)
    data = received_block(block, 100)
    assert data.numel() == 100 and data.is_shared()
    view = data[10:20]
    del block, data
    assert header[0] == SENT  # ``view`` still reads the block
    del view
    assert header[0] == FREE
    header.close()


def test_a_forked_copy_of_the_receiver_does_not_free_the_block(
        monkeypatch):
    block = shared_blocks.new_shared_block(HEADER_BYTES + 100)
    block[0] = SENT
    header = _watch(block)
    data = received_block(block, 100)
    del block
    pid = os.getpid()
    monkeypatch.setattr(os, 'getpid', lambda: pid + 1)
    del data  # dropped in the "child": the receiver may still hold it
    assert header[0] == SENT
    header.close()


def test_a_block_pickled_by_value_is_left_alone():
    import pickle
    pool = BlockPool(capacity=1)
    sent = pool.take(16)
    sent.data.copy_(torch.arange(16, dtype=torch.uint8))
    data = pickle.loads(pickle.dumps(sent))  # plain pickle: a copy
    assert torch.equal(data, torch.arange(16, dtype=torch.uint8))
    assert not data.is_shared()  # not moved into shared memory
    del data
    assert int(sent.block[0]) == SENT


def test_a_pool_reuses_only_free_blocks_of_the_right_size():
    pool = BlockPool(capacity=2)
    first = pool.take(100)
    assert isinstance(first, SentBlock) and first.data.numel() == 100
    assert int(first.block[0]) == SENT
    second = pool.take(100)  # ``first`` is not free: a new block
    assert second.block.data_ptr() != first.block.data_ptr()
    first.block[0] = FREE
    again = pool.take(80)  # fits into ``first``
    assert again.block.data_ptr() == first.block.data_ptr()
    assert again.data.numel() == 80 and int(again.block[0]) == SENT
    second.block[0] = FREE
    bigger = pool.take(500)  # full: replaces the free, too small block
    assert bigger.data.numel() == 500
    assert pool.created == 3 and pool.reused == 1
    assert [b.data_ptr() for b in pool.blocks] == [
        first.block.data_ptr(), bigger.block.data_ptr()]
    with pytest.raises(ValueError, match='capacity'):
        BlockPool(capacity=-1)


def test_a_forked_child_does_not_write_into_its_parents_blocks(monkeypatch):
    parent = worker_block_pool(3)
    assert worker_block_pool(3) is parent
    monkeypatch.setattr(os, 'getpid', lambda: parent.pid + 1)
    child = worker_block_pool(3)
    assert child is not parent and child.blocks == []


def test_other_sharing_strategies_get_a_new_block_every_time():
    before = torch_mp.get_sharing_strategy()
    if 'file_system' not in torch_mp.get_all_sharing_strategies():
        pytest.skip('no file_system sharing strategy here')
    torch_mp.set_sharing_strategy('file_system')
    try:
        pool = BlockPool(capacity=4)
        assert pool.capacity == 0
        sent = pool.take(64)
        sent.block[0] = FREE
        assert pool.take(64).block.data_ptr() != sent.block.data_ptr()
        data = received_block(sent.block, 64)  # no mark, no error
        assert data.numel() == 64
    finally:
        torch_mp.set_sharing_strategy(before)


def test_packing_into_a_pool_keeps_the_values():
    gen = torch.Generator().manual_seed(0)
    groups = {'a': {'f32': [torch.randn(7, 3, generator=gen)
                            for _ in range(3)]},
              'b': {'flag': [torch.rand(5, generator=gen) > 0.5
                             for _ in range(3)]}}
    sent, layout = pack_stacks(groups, pool=BlockPool(capacity=1))
    assert isinstance(sent, SentBlock)
    out = unpack_batch({PACKED_BLOCK: sent, PACKED_LAYOUT: layout})
    for group, stacks in groups.items():
        for key, values in stacks.items():
            assert torch.equal(out[group][key], torch.stack(values))


@needs_fd_sharing
def test_the_pool_works_with_spawned_workers():
    """A spawned worker imports the package afresh and builds its own
    pool."""
    inodes, kept = _run(capacity=4, keep=lambda j: j % 2 == 1,
                        context='spawn')
    assert len(set(inodes)) < BATCHES
    _assert_intact(kept)
