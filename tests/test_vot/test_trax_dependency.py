"""vot-trax is optional: a missing one, or one with the TraX 3 server API,
is a DependencyError that says what to install."""
import sys
import types

import pytest

from stark_plugin.errors import DependencyError
from stark_plugin.vot.server import import_trax


def test_missing_vot_trax(monkeypatch):
    monkeypatch.setitem(sys.modules, 'trax', None)  # import raises
    with pytest.raises(DependencyError, match='requirements/vot.txt'):
        import_trax()


def test_trax3_server_api_is_refused(monkeypatch):
    old = types.ModuleType('trax')

    class Server:  # the TraX 3 signature the official vot.py calls
        def __init__(self, region_formats, image_formats,
                     image_channels=None, customMetadata=None, log=False):
            pass

    old.Server = Server
    old.__file__ = '/somewhere/trax/__init__.py'
    monkeypatch.setitem(sys.modules, 'trax', old)
    with pytest.raises(DependencyError, match='TraX 3 server API'):
        import_trax()
