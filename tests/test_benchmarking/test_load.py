"""The busy background processes of the speed benchmarks."""
import os
import time

import pytest

from stark_plugin.benchmarking.load import background_load


def _cpu_seconds(pid: int) -> float:
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


@pytest.mark.skipif(not os.path.isdir('/proc/self'), reason='needs /proc')
def test_processes_run_busy_and_stop():
    with background_load(2) as pids:
        assert len(pids) == 2 and len(set(pids)) == 2
        time.sleep(1.0)
        used = [_cpu_seconds(p) for p in pids]
    # each child used CPU time of its own (not sleeping) ...
    assert all(u > 0.1 for u in used), used
    # ... and is gone once the block has exited
    for pid in pids:
        assert not os.path.exists(f'/proc/{pid}') or \
            open(f'/proc/{pid}/stat').read().split(')')[1].split()[0] == 'Z'


def test_zero_starts_nothing_and_negative_is_refused():
    with background_load(0) as pids:
        assert pids == []
    with pytest.raises(ValueError, match='n must be >= 0'):
        with background_load(-1):
            pass


@pytest.mark.skipif(not os.path.isfile('/proc/stat'), reason='needs /proc')
def test_machine_busy_seconds_counts_the_work_of_child_processes():
    """A busy child process's CPU time is part of the machine's busy
    time over the same stretch."""
    from stark_plugin.benchmarking.load import machine_busy_seconds
    start = machine_busy_seconds()
    with background_load(1) as pids:
        time.sleep(1.0)
        used = _cpu_seconds(pids[0])
    busy = machine_busy_seconds() - start
    assert used > 0.1
    # the child's own CPU time is part of the machine's (clock ticks:
    # 0.05 s of rounding)
    assert busy >= used - 0.05, (busy, used)
