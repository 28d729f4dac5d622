import mmcv
import pytest

from stark_plugin import dependencies as version_check
from stark_plugin.dependencies import check_dependencies
from stark_plugin.errors import DependencyError


def test_wrong_mmcv_version_is_explained(monkeypatch):
    monkeypatch.delenv(version_check.SKIP_ENV, raising=False)
    monkeypatch.setattr(mmcv, '__version__', '2.2.0')
    with pytest.raises(DependencyError) as info:
        check_dependencies()
    message = str(info.value)
    assert '2.2.0' in message and 'mmcv==2.1.0' in message
    assert 'tools/install.sh' in message


def test_mmcv_without_ops_is_explained():
    with pytest.raises(DependencyError, match='without compiled ops'):
        version_check.check_mmcv('2.1.0', has_ops=False)


def test_missing_and_out_of_range_packages():
    with pytest.raises(DependencyError, match='mmcv is not installed'):
        version_check.check_mmcv(None, has_ops=False)
    with pytest.raises(DependencyError, match='mmdet 3.2.0 is installed'):
        version_check.check_range('mmdet', '3.2.0', '3.3.0', '3.4.0')


def test_installed_stack_passes(monkeypatch):
    monkeypatch.delenv(version_check.SKIP_ENV, raising=False)
    check_dependencies()
