"""Busy background processes for measuring speed on a shared CPU.

A benchmark that is only ever run on an idle machine says nothing about the
machine users have: other jobs, a video decoder, a second tracker. The
context manager :func:`background_load` starts ``n`` processes that each
keep one core busy (a pure-Python arithmetic loop: no memory traffic, no
threads of their own) for as long as the timed code runs.
"""
import contextlib
import multiprocessing as mp
import os
from typing import Iterator, List, Optional


def _spin(started: 'mp.synchronize.Barrier',
          stop: 'mp.synchronize.Event') -> None:
    """Say it runs, then keep one core busy until ``stop`` is set."""
    started.wait()
    x = 0
    while not stop.is_set():
        for i in range(20000):  # check the event about every millisecond
            x = (x + i) % 1000003


@contextlib.contextmanager
def background_load(n: int) -> Iterator[List[int]]:
    """Run ``n`` busy processes while the block runs; yields their pids.

    ``n=0`` starts nothing. The processes are forked where the platform
    can (a pure-Python loop touches none of the caller's torch / OpenMP
    state, and a fork starts in milliseconds where ``spawn`` re-imports
    the package), and are stopped and joined when the block exits, also on
    an exception. The block starts once every process is spinning.
    """
    if n < 0:
        raise ValueError(f'background_load: n must be >= 0, got {n}')
    if n == 0:
        yield []
        return
    ctx = mp.get_context(
        'fork' if 'fork' in mp.get_all_start_methods() else 'spawn')
    stop = ctx.Event()
    started = ctx.Barrier(n + 1)
    procs = [ctx.Process(target=_spin, args=(started, stop), daemon=True,
                         name=f'stark-busy-{i}') for i in range(n)]
    try:
        for p in procs:
            p.start()
        started.wait(timeout=60)
        yield [p.pid for p in procs]
    finally:
        stop.set()
        for p in procs:
            if p.pid is None:  # never started (an earlier start failed)
                continue
            p.join(timeout=5)
            if p.is_alive():  # pragma: no cover - a stuck child
                p.terminate()
                p.join()


def machine_busy_seconds() -> Optional[float]:
    """CPU seconds the whole machine has spent busy since boot, all cores
    and processes together (Linux ``/proc/stat``: every state but idle,
    I/O wait and time stolen by the hypervisor); None where unreadable.
    The difference over a timed stretch on an otherwise idle machine is
    what the timed code cost, its helper processes included."""
    try:
        with open('/proc/stat') as f:
            fields = f.readline().split()
    except OSError:  # pragma: no cover - not Linux
        return None
    if not fields or fields[0] != 'cpu':  # pragma: no cover
        return None
    ticks = [int(x) for x in fields[1:9]]
    # user nice system idle iowait irq softirq steal
    busy = sum(ticks) - ticks[3] - ticks[4] - ticks[7]
    return busy / os.sysconf('SC_CLK_TCK')


def cpu_count() -> int:
    """Cores this process may run on (the affinity mask where available)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1
