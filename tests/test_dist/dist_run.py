"""What the tests of tools/dist_test.sh and tools/dist_train.sh share:
their environment (one thread per process), a free port, the logged
metrics, and one process (tools/test.py) then two gloo processes
(tools/dist_test.sh) on the same config, checkpoint and options."""
import glob
import json
import os
import os.path as osp
import random
import socket
import subprocess
import sys
from typing import Sequence, Tuple

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def free_port() -> int:
    """A port free now, drawn at random below the kernel's range for the
    local ports of outgoing connections: a port of that range (what binding
    port 0 gives) can be taken by any connection of a concurrent test (gloo
    opens many) before torchrun, seconds later, listens on it."""
    try:
        with open('/proc/sys/net/ipv4/ip_local_port_range') as f:
            first_outgoing = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        first_outgoing = 32768  # Linux's default
    low = max(1024, first_outgoing - 12000)
    if first_outgoing - low < 1000:  # no room below: any free port
        with socket.socket() as sock:
            sock.bind(('', 0))
            return sock.getsockname()[1]
    ports = random.SystemRandom()
    for _ in range(1000):
        port = ports.randrange(low, first_outgoing)
        with socket.socket() as sock:
            try:
                sock.bind(('', port))
            except OSError:
                continue
        return port
    raise RuntimeError(f'no free port in [{low}, {first_outgoing})')


def dist_env(*paths: str, **extra: str) -> dict:
    """One thread per process in both runs, so that both sum floats in
    the same order (torchrun gives each worker one thread); the dist
    scripts run `python`: the interpreter of this test. ``paths`` go on
    PYTHONPATH before the repository."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*paths, REPO]),
               OMP_NUM_THREADS='1', **extra)
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env.pop('LOCAL_RANK', None)
    return env


def read_metrics(work_dir) -> dict:
    """The metrics of the last test run logged in ``work_dir``."""
    files = sorted(glob.glob(osp.join(str(work_dir), '*', '*.json')))
    with open(files[-1]) as f:
        return json.loads(f.readlines()[-1])


def run_one_and_two(config: str, checkpoint: str, options: Sequence[str],
                    tmp_path) -> Tuple[str, str]:
    """tools/test.py, then tools/dist_test.sh with 2 processes; returns
    their work dirs (``single``, ``multi`` under ``tmp_path``)."""
    single, multi = str(tmp_path / 'single'), str(tmp_path / 'multi')
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'test.py'), config,
         checkpoint, '--work-dir', single, *options],
        capture_output=True, text=True, timeout=600, env=dist_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_test.sh'), config, checkpoint,
         '2', '--work-dir', multi, *options],
        capture_output=True, text=True, timeout=600,
        env=dist_env(PORT=str(free_port())))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return single, multi
