"""Named protocols that reproduce the established toolkits."""
from typing import Callable, Dict

from .base import BaseProtocol
from .got10k import Got10kProtocol
from .lasot import LasotToolkitProtocol
from .mmtracking import MMTrackingProtocol
from .pytracking import PytrackingProtocol
from .trackingnet import TrackingNetServerProtocol

__all__ = [
    'BaseProtocol', 'Got10kProtocol', 'LasotToolkitProtocol',
    'MMTrackingProtocol', 'PytrackingProtocol', 'TrackingNetServerProtocol',
    'PROTOCOLS', 'BENCHMARKS', 'DEFAULT_PROTOCOLS', 'build_protocol',
    'default_protocol'
]

#: protocol name -> factory(benchmark=..., on_invalid=...)
PROTOCOLS: Dict[str, Callable[..., BaseProtocol]] = {
    'pytracking':
    lambda **kw: PytrackingProtocol(exclude_invalid=False, **kw),
    'pytracking_exclude_invalid':
    lambda **kw: PytrackingProtocol(exclude_invalid=True, **kw),
    'got10k': Got10kProtocol,
    'lasot_toolkit': LasotToolkitProtocol,
    'trackingnet_server': TrackingNetServerProtocol,
    'mmtracking_all_frames':
    lambda **kw: MMTrackingProtocol(visible_only=False, **kw),
    'mmtracking_visible_only':
    lambda **kw: MMTrackingProtocol(visible_only=True, **kw),
}

BENCHMARKS = ('lasot', 'got10k', 'trackingnet', 'otb100', 'uav123', 'custom')

#: the protocol each benchmark's published numbers use
DEFAULT_PROTOCOLS = {
    'lasot': 'pytracking',
    'got10k': 'got10k',
    'trackingnet': 'trackingnet_server',
    'otb100': 'got10k',
    'uav123': 'got10k',
    'custom': 'got10k',
}


def default_protocol(benchmark: str) -> str:
    """Protocol name used by default for ``benchmark``."""
    try:
        return DEFAULT_PROTOCOLS[benchmark.lower()]
    except KeyError:
        raise ValueError(f'unknown benchmark {benchmark!r}; expected one of '
                         f'{BENCHMARKS}') from None


def build_protocol(name: str = None,
                   benchmark: str = 'custom',
                   on_invalid: str = 'miss') -> BaseProtocol:
    """Build protocol ``name`` (default: the benchmark's) for ``benchmark``."""
    if benchmark.lower() not in BENCHMARKS:
        raise ValueError(f'unknown benchmark {benchmark!r}; expected one of '
                         f'{BENCHMARKS}')
    name = name or default_protocol(benchmark)
    if name not in PROTOCOLS:
        raise ValueError(f'unknown protocol {name!r}; expected one of '
                         f'{sorted(PROTOCOLS)}')
    return PROTOCOLS[name](benchmark=benchmark.lower(), on_invalid=on_invalid)
