"""Import-time check of the pinned OpenMMLab stack."""
import importlib
import os
from typing import Optional

from packaging.version import Version

from .errors import DependencyError

MMCV_PIN = '2.1.0'
MMENGINE_MIN, MMENGINE_MAX = '0.10.0', '1.0.0'
MMDET_MIN, MMDET_MAX = '3.3.0', '3.4.0'
SKIP_ENV = 'STARK_SKIP_VERSION_CHECK'
FIX = 'run `bash tools/install.sh` from the stark_plugin checkout'


def _version(module: str) -> Optional[str]:
    try:
        return importlib.import_module(module).__version__
    except ImportError:
        return None


def check_mmcv(version: Optional[str], has_ops: bool) -> None:
    if version is None:
        raise DependencyError(
            f'mmcv is not installed; stark_plugin needs mmcv=={MMCV_PIN} '
            f'compiled with ops: {FIX}.')
    if Version(version) != Version(MMCV_PIN):
        raise DependencyError(
            f'mmcv {version} is installed but stark_plugin needs '
            f'mmcv=={MMCV_PIN} (mmdet 3.3 rejects mmcv>=2.2). Fix: '
            f'`pip uninstall -y mmcv` then {FIX} (it compiles mmcv '
            f'{MMCV_PIN} against your torch).')
    if not has_ops:
        raise DependencyError(
            f'mmcv {version} is installed without compiled ops (mmcv._ext '
            f'cannot be loaded; mmcv-lite, or ops built for another torch). '
            f'`import mmdet.models` needs them. Fix: `pip uninstall -y mmcv '
            f'mmcv-lite` then {FIX}.')


def check_range(name: str, version: Optional[str], low: str,
                high: str) -> None:
    if version is None:
        raise DependencyError(f'{name} is not installed: {FIX}.')
    if not Version(low) <= Version(version) < Version(high):
        raise DependencyError(
            f'{name} {version} is installed but stark_plugin needs '
            f'{low} <= {name} < {high}. Fix: `pip install "{name}>={low},'
            f'<{high}"` or {FIX}.')


def _mmcv_has_ops() -> bool:
    try:
        importlib.import_module('mmcv._ext')
    except Exception:
        return False
    return True


def check_dependencies() -> None:
    """Raise :class:`DependencyError` with a fix when the stack is wrong.

    Set ``STARK_SKIP_VERSION_CHECK=1`` to skip (at your own risk).
    """
    if os.environ.get(SKIP_ENV, '0') == '1':
        return
    check_range('mmengine', _version('mmengine'), MMENGINE_MIN, MMENGINE_MAX)
    mmcv_version = _version('mmcv')
    check_mmcv(mmcv_version, mmcv_version is not None and _mmcv_has_ops())
    check_range('mmdet', _version('mmdet'), MMDET_MIN, MMDET_MAX)
