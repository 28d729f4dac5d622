"""Import a script of the repository (``tools/...``, ``demo_sot.py``) as
a module, to call its ``main`` or its helpers in the calling process."""
import importlib.util
import os.path as osp
from types import ModuleType


def import_script(path: str) -> ModuleType:
    """The script at ``path`` run as a module named after its file (its
    ``if __name__ == '__main__'`` block does not run)."""
    name = 'script_' + osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f'not a Python script: {path}')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
