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


def environment(device: torch.device) -> Dict[str, object]:
    """torch version, threads, device, CPU/GPU name, core count, load
    average and the onnxruntime version (when installed)."""
    env = dict(
        torch=torch.__version__,
        threads=torch.get_num_threads(),
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
