"""The facts of the machine a benchmark ran on (recorded in its report)."""
import os
import platform
from typing import Dict, Optional

import torch


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform``
    knows."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return cpu


def shm_huge_pages(mounts: str = '/proc/mounts') -> Optional[str]:
    """The ``huge=`` option of the tmpfs at ``/dev/shm`` (where data
    workers hand their batches over; the last mount there counts):
    ``'never'`` when the option is absent, None where there is no such
    mount or no ``/proc``."""
    option = None
    try:
        with open(mounts) as f:
            for line in f:
                fields = line.split()
                if len(fields) > 3 and fields[1] == '/dev/shm':
                    option = 'never'
                    for opt in fields[3].split(','):
                        if opt.startswith('huge='):
                            option = opt[len('huge='):]
    except OSError:
        return None
    return option


#: environment variables that set how OpenMP threads wait between
#: parallel regions (GNU and LLVM/Intel runtimes); read when torch loads
OPENMP_WAIT_VARIABLES = ('OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'KMP_BLOCKTIME')


def openmp_wait(environ: Optional[Dict[str, str]] = None) -> str:
    """The OpenMP wait settings of the environment, e.g.
    ``'OMP_WAIT_POLICY=PASSIVE'``, or ``'default'`` when none is set.
    Under CPU contention they decide torch's multi-thread step time (the
    runtime's default spin-wait keeps a core busy while its thread
    waits)."""
    environ = os.environ if environ is None else environ
    set_ = [f'{k}={environ[k]}' for k in OPENMP_WAIT_VARIABLES
            if environ.get(k)]
    return ' '.join(set_) or 'default'


def environment(device: torch.device) -> Dict[str, object]:
    """torch version, threads, OpenMP wait settings, device, CPU/GPU name,
    core count, load average and the onnxruntime version (when
    installed)."""
    env = dict(
        torch=torch.__version__,
        threads=torch.get_num_threads(),
        openmp_wait=openmp_wait(),
        device=str(device),
        cpu=cpu_name(),
        cpu_count=os.cpu_count(),
        python=platform.python_version(),
        load_avg=list(os.getloadavg()) if hasattr(os, 'getloadavg') else
        None)
    if device.type == 'cuda':
        env['gpu'] = torch.cuda.get_device_name(device)
    try:
        import onnxruntime
        env['onnxruntime'] = onnxruntime.__version__
    except ImportError:
        pass
    return env
