"""The package's structure: the layer contract of setup.cfg holds
(``lint-imports``), no module imports itself in a circle, and the
package's own modules are imported at the top of a module (visible in its
header), except in the registration module."""
import ast
import os
import os.path as osp
import shutil
import subprocess
import sys

import grimp
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PACKAGE = osp.join(REPO, 'stark_plugin')
#: modules allowed to import package modules inside a function
LAZY_IMPORTERS = {'stark_plugin/setup_env.py'}


def test_layer_contract():
    exe = shutil.which('lint-imports') or osp.join(osp.dirname(
        sys.executable), 'lint-imports')
    proc = subprocess.run([exe, '--config', osp.join(REPO, 'setup.cfg')],
                          cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert '0 broken' in proc.stdout


def test_no_import_cycles():
    graph = grimp.build_graph('stark_plugin')
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(
                module)):
            back = graph.find_shortest_chain(importer=imported,
                                             imported=module)
            if back:
                cycles.append(' -> '.join((module, ) + tuple(back)))
    assert not cycles, '\n'.join(cycles[:10])


def _package_imports_in_functions(path: str):
    tree = ast.parse(open(path).read(), path)
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.ImportFrom) and (
                    node.level or (node.module or '').startswith(
                        'stark_plugin')):
                yield node.lineno
            elif isinstance(node, ast.Import) and any(
                    a.name.startswith('stark_plugin') for a in node.names):
                yield node.lineno


def test_package_imports_are_at_module_level():
    found = []
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if not name.endswith('.py'):
                continue
            path = osp.join(folder, name)
            rel = osp.relpath(path, REPO).replace(os.sep, '/')
            if rel in LAZY_IMPORTERS:
                continue
            found += [f'{rel}:{n}' for n in
                      _package_imports_in_functions(path)]
    assert not found, found


@pytest.mark.parametrize('tool', ['tools', 'demo_sot.py'])
def test_tools_do_not_edit_sys_path(tool):
    root = osp.join(REPO, tool)
    paths = [root] if root.endswith('.py') else [
        osp.join(d, f) for d, _, fs in os.walk(root) for f in fs
        if f.endswith('.py')]
    edits = [p for p in paths if 'sys.path' in open(p).read()]
    assert not edits, edits
