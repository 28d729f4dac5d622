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
