"""Shared-memory blocks that a data worker reuses for its batches.

A data worker that writes every batch into a new shared-memory block makes
the kernel allocate, zero and map fresh pages for each batch (in the worker
and again in the main process) and free them when the main process drops
the batch. A :class:`BlockPool` keeps a few blocks per worker and writes
the next batch into one that the main process has finished with.

Each block starts with a small header whose first byte says whose the
block is: :data:`SENT` while a batch in it may still be read, :data:`FREE`
once the main process has dropped every tensor of that batch. The block
crosses the worker queue wrapped in a :class:`SentBlock`; unpickled in the
main process (by the DataLoader's main or pin-memory thread) it becomes a
plain uint8 tensor (the batch bytes, a view of the block), and a finalizer
on the block's storage writes :data:`FREE` into the header through a
separate mapping when the last view of the block is gone (in the process
that received it, not in a forked copy of it). A block that is
not marked free is never written again: the pool then takes a new block,
so a main process that keeps batches keeps them intact.

Only the ``file_descriptor`` sharing strategy of ``torch.multiprocessing``
(Linux's default) carries the release mark; under any other strategy the
pool hands out a new block for every batch. A batch's tensors handed on to
a third process must be cloned first: the mark follows the main process's
view only.
"""
import mmap
import os
import weakref
from typing import List, Optional

import torch
import torch.multiprocessing as torch_mp

#: bytes in front of the batch bytes of a block (keeps 64-byte alignment)
HEADER_BYTES = 64
#: header states: written by the worker before sending / by the main
#: process once it dropped the batch
SENT = 1
FREE = 2


def new_shared_block(nbytes: int) -> torch.Tensor:
    """A new uint8 tensor of ``nbytes`` (at least 1) in shared memory."""
    return torch.empty(0, dtype=torch.uint8).set_(
        torch.UntypedStorage._new_shared(max(nbytes, 1)))


def _fd_strategy() -> bool:
    return torch_mp.get_sharing_strategy() == 'file_descriptor'


def _usable_capacity(capacity: int) -> int:
    """``capacity``, or 0 where the sharing strategy carries no mark."""
    return capacity if _fd_strategy() else 0


def _batch_bytes(block: torch.Tensor, nbytes: int) -> torch.Tensor:
    return block[HEADER_BYTES:HEADER_BYTES + nbytes]


class SentBlock:
    """A block of a :class:`BlockPool` on its way to the main process:
    ``block`` (the whole uint8 block, header included) and ``nbytes`` (the
    batch bytes after the header). Unpickled it is the uint8 tensor of the
    batch bytes (see the module docstring); in the process that made it,
    :attr:`data` is that tensor."""

    def __init__(self, block: torch.Tensor, nbytes: int) -> None:
        self.block = block
        self.nbytes = nbytes

    @property
    def data(self) -> torch.Tensor:
        """The batch bytes (a uint8 view of the block)."""
        return _batch_bytes(self.block, self.nbytes)

    def __reduce__(self):
        return received_block, (self.block, self.nbytes)


def _mark_free(header: mmap.mmap, pid: int) -> None:
    try:
        if os.getpid() == pid:  # not a forked copy of the receiver
            header[0] = FREE
    finally:
        header.close()


def received_block(block: torch.Tensor, nbytes: int) -> torch.Tensor:
    """Unpickling of a :class:`SentBlock` in the receiving process: the
    batch bytes, with the block marked free once they are all dropped."""
    data = _batch_bytes(block, nbytes)
    storage = block.untyped_storage()
    if not (_fd_strategy() and storage.is_shared()):
        return data  # e.g. pickled by value: nobody waits for the mark
    try:
        fd, _ = storage._share_fd_cpu_()
        header = mmap.mmap(fd, HEADER_BYTES)
    except (RuntimeError, OSError, ValueError):
        return data  # no mark: the worker takes a new block next time
    done = weakref.finalize(storage, _mark_free, header, os.getpid())
    done.atexit = False
    return data


class BlockPool:
    """Up to ``capacity`` shared-memory blocks of one data worker, handed
    out again once the main process marked them free.

    Args:
        capacity: blocks kept for reuse. A batch that finds none of them
            free (the main process still holds them, or the sharing
            strategy carries no release mark) goes into a new block; 0
            makes every block new.
    """

    def __init__(self, capacity: int = 4) -> None:
        if capacity < 0:
            raise ValueError(f'capacity must be >= 0, got {capacity}')
        self.capacity = _usable_capacity(capacity)
        self.pid = os.getpid()
        self.blocks: List[torch.Tensor] = []
        self.reused = 0
        self.created = 0

    def _free_index(self, size: int) -> Optional[int]:
        fitting = [i for i, b in enumerate(self.blocks)
                   if int(b[0]) == FREE and b.numel() >= size]
        if not fitting:
            return None
        return min(fitting, key=lambda i: self.blocks[i].numel())

    def take(self, nbytes: int) -> SentBlock:
        """A block for ``nbytes`` batch bytes, marked :data:`SENT`."""
        size = HEADER_BYTES + nbytes
        index = self._free_index(size)
        if index is not None:
            block = self.blocks[index]
            self.reused += 1
        else:
            block = new_shared_block(size)
            self.created += 1
            self._keep(block)
        block[0] = SENT
        return SentBlock(block, nbytes)

    def _keep(self, block: torch.Tensor) -> None:
        if len(self.blocks) < self.capacity:
            self.blocks.append(block)
            return
        # full: a new size replaces a free block that was too small
        free = [i for i, b in enumerate(self.blocks) if int(b[0]) == FREE]
        if free:
            self.blocks[free[0]] = block


_POOL: Optional[BlockPool] = None


def worker_block_pool(capacity: int = 4) -> BlockPool:
    """This process's :class:`BlockPool` (a new one in a forked child: a
    child never writes into its parent's blocks)."""
    global _POOL
    if (_POOL is None or _POOL.pid != os.getpid()
            or _POOL.capacity != _usable_capacity(capacity)):
        _POOL = BlockPool(capacity)
    return _POOL
