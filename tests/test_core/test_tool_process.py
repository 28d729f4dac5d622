"""The forked tool runner gives what a fresh ``python SCRIPT`` gives:
argv, working directory, environment and ``sys.path`` (all of it),
streams, exit status (also for ``sys.exit('text')``, an uncaught
exception and a signal), ``atexit`` handlers; and ``-m module``; output
to a log file as ``stderr=STDOUT`` writes it; it refuses a ``PYTHONPATH``
that a fresh interpreter would read other code from."""
import os
import os.path as osp
import signal
import subprocess
import sys
import textwrap

import pytest
from stark_plugin.testing.tool_process import run_tool, run_tool_to_log

SCRIPT = textwrap.dedent('''
    import atexit, json, os, sys
    atexit.register(lambda: print('atexit ran'))
    import helper_module  # from PYTHONPATH
    mode = sys.argv[1]
    print(json.dumps(dict(argv=sys.argv[1:], cwd=os.getcwd(),
                          value=os.environ.get('TOOL_VALUE'),
                          path=sys.path, helper=helper_module.NAME)))
    print('to stderr', file=sys.stderr)
    if mode == 'text':
        sys.exit('error: text exit')
    if mode == 'raise':
        raise ValueError('uncaught')
    if mode == 'kill':
        os.kill(os.getpid(), 9)
    sys.exit(int(mode))
''')


@pytest.fixture
def tool(tmp_path):
    script = tmp_path / 'bin' / 'tool.py'
    script.parent.mkdir()
    script.write_text(SCRIPT)
    lib = tmp_path / 'lib'
    lib.mkdir()
    (lib / 'helper_module.py').write_text("NAME = 'helper'\n")
    env = dict(os.environ, TOOL_VALUE='42', PYTHONPATH=str(lib))
    return str(script), env, str(tmp_path)


@pytest.mark.parametrize('unbuffered', ['', '1'])
@pytest.mark.parametrize('mode', ['0', '3', 'text', 'raise', 'kill'])
def test_same_as_a_fresh_interpreter(tool, mode, unbuffered):
    script, env, cwd = tool
    env = dict(env, PYTHONUNBUFFERED=unbuffered)
    fresh = subprocess.run([sys.executable, script, mode], env=env,
                           cwd=cwd, capture_output=True, text=True,
                           timeout=60)
    forked = run_tool([script, mode], env=env, cwd=cwd, timeout=60)
    assert forked.returncode == fresh.returncode
    assert forked.stdout == fresh.stdout
    assert forked.stderr.splitlines()[0] == 'to stderr'
    assert forked.stderr.splitlines()[-1] == fresh.stderr.splitlines()[-1]
    if mode == 'kill':  # what was buffered is lost, as in python
        assert forked.returncode == -signal.SIGKILL
        assert bool(forked.stdout) == bool(unbuffered)
    else:
        assert forked.stdout.startswith('{"argv": ["' + mode)
        assert osp.dirname(script) in forked.stdout  # sys.path[0]


@pytest.mark.parametrize('mode', ['0', 'raise'])
def test_log_file_as_stderr_to_stdout(tool, tmp_path, mode):
    script, env, cwd = tool
    env = dict(env, PYTHONUNBUFFERED='1')  # the order of both streams
    fresh_log, forked_log = tmp_path / 'fresh.log', tmp_path / 'forked.log'
    with open(fresh_log, 'w') as log:
        fresh = subprocess.run([sys.executable, script, mode], env=env,
                               cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                               timeout=60)
    forked_log.write_text('an older log, overwritten\n' * 100)
    code = run_tool_to_log([script, mode], str(forked_log), env=env,
                           cwd=cwd, timeout=60)
    assert code == fresh.returncode
    fresh_lines = fresh_log.read_text().splitlines()
    forked_lines = forked_log.read_text().splitlines()
    assert forked_lines[:2] == fresh_lines[:2]  # stdout, then stderr
    assert forked_lines[1] == 'to stderr'
    assert forked_lines[-1] == fresh_lines[-1]
    assert 'older log' not in forked_log.read_text()


def test_module_and_timeout(tool):
    _, env, cwd = tool
    proc = run_tool(['-m', 'json.tool', '--help'], env=env, cwd=cwd)
    assert proc.returncode == 0 and 'json.tool' in proc.stdout
    slow = osp.join(cwd, 'slow.py')
    with open(slow, 'w') as f:
        f.write('import time\ntime.sleep(60)\n')
    with pytest.raises(subprocess.TimeoutExpired):
        run_tool([slow], env=env, cwd=cwd, timeout=1)


def test_another_copy_of_a_preloaded_package_is_refused(tool, tmp_path):
    script, env, cwd = tool
    fake = tmp_path / 'other_checkout' / 'mmengine'
    fake.mkdir(parents=True)
    (fake / '__init__.py').write_text('')
    env = dict(env, PYTHONPATH=str(fake.parent))
    proc = run_tool([script, '0'], env=env, cwd=cwd, timeout=60)
    assert proc.returncode == 1
    assert 'the forkserver imported mmengine' in proc.stderr
    assert proc.stdout == ''
