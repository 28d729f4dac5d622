"""Run a command-line tool in a process of its own without paying its
imports on every run.

A fresh ``python tools/train.py`` spends 7-8 s of CPU importing torch,
mmengine and mmdet before it reads its arguments. :func:`run_tool` starts
one multiprocessing *forkserver* per process that imports them once
(:data:`PRELOAD`) and forks a child per run. The child is a process like
``subprocess.run([sys.executable, SCRIPT, *args])`` gives: the script
runs as ``__main__`` with its own ``sys.argv``, working directory,
environment, ``sys.path`` (the script's folder, then ``PYTHONPATH``, then
the interpreter's own entries), OpenMP threads from ``OMP_NUM_THREADS``,
stdout and stderr, exit code (a signal: minus its number) and ``atexit``
handlers. What it does not give is a fresh interpreter: modules the
forkserver imported stay imported (a run whose ``PYTHONPATH`` would put
another copy of one of them first is refused, exit code 1).

Used by the tests and by ``tools/analysis/verify_training.py
--fork-tools``. Tests about import side effects, and the tools' own
start-up, keep ``subprocess``.
"""
import atexit
import functools
import io
import json
import multiprocessing
import os
import os.path as osp
import runpy
import subprocess
import sys
import tempfile
import traceback
from multiprocessing import reduction
from typing import Dict, List, Optional, Tuple

#: what the forkserver imports once (nothing here starts a thread)
PRELOAD = ['torch', 'mmengine.runner', 'mmdet.models', 'stark_plugin',
           'stark_plugin.engine', 'stark_plugin.models']


@functools.lru_cache(maxsize=None)
def _interpreter_path() -> Tuple[str, ...]:
    """``sys.path`` of a fresh interpreter after its first entry (the
    script's folder) without ``PYTHONPATH``: the standard library and the
    site-packages with their ``.pth`` entries."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    out = subprocess.run(
        [sys.executable, '-c',
         'import json, sys; print(json.dumps(sys.path[1:]))'],
        env=env, capture_output=True, text=True, check=True).stdout
    return tuple(json.loads(out))


@functools.lru_cache(maxsize=None)
def _forkserver() -> multiprocessing.context.BaseContext:
    ctx = multiprocessing.get_context('forkserver')
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def _exit_code(exc: SystemExit) -> int:
    """The exit status ``python`` gives for ``SystemExit(exc.code)``."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


class _PassedFd:
    """A file descriptor of this process, duplicated into the child
    (the forkserver sends it along with the request)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __reduce__(self):
        return _received_fd, (reduction.DupFd(self.fd), )


def _received_fd(dup) -> int:
    return dup.detach()


def _refuse_shadowed_packages(pythonpath: List[str]) -> None:
    """A ``PYTHONPATH`` entry with another copy of a preloaded package
    would win in a fresh interpreter but cannot here: refuse to run
    rather than run other code than asked for."""
    for name in sorted({m.split('.')[0] for m in PRELOAD}):
        loaded = osp.dirname(osp.realpath(sys.modules[name].__file__))
        for entry in pythonpath:
            init = osp.join(entry, name, '__init__.py')
            if osp.isfile(init) and \
                    osp.dirname(osp.realpath(init)) != loaded:
                raise RuntimeError(
                    f'PYTHONPATH has {init}, but the forkserver imported '
                    f'{name} from {loaded}: run with that checkout first on '
                    f'PYTHONPATH (or installed)')


def _child(target: List[str], cwd: str, env: Dict[str, str],
           streams: Tuple, interpreter_path: Tuple[str, ...]) -> None:
    """The forked child: streams (a file path or a passed file descriptor
    for each of fds 0, 1 and 2), directory, environment, ``sys.path`` and
    threads as a new ``python`` process would have them, then the script
    or module as ``__main__``; exits with its status."""
    for fd, stream in enumerate(streams):
        if isinstance(stream, int):
            handle = stream
        elif fd == 0:
            handle = os.open(stream, os.O_RDONLY)
        else:
            handle = os.open(stream, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(handle, fd)
        os.close(handle)
    # python's buffering: stdout block-buffered unless PYTHONUNBUFFERED,
    # stderr line-buffered
    sys.stdin = open(0, 'r', closefd=False)
    if env.get('PYTHONUNBUFFERED'):
        sys.stdout = io.TextIOWrapper(open(1, 'wb', buffering=0,
                                           closefd=False),
                                      write_through=True)
    else:
        sys.stdout = open(1, 'w', closefd=False)
    sys.stderr = open(2, 'w', buffering=1, closefd=False)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    is_module = target[0] == '-m'
    first = cwd if is_module else osp.dirname(osp.abspath(target[0]))
    extra = [p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p]
    _refuse_shadowed_packages(extra)
    sys.path[:] = [first] + extra + list(interpreter_path)
    threads = env.get('OMP_NUM_THREADS')
    if threads:
        import torch
        torch.set_num_threads(int(threads))
    code = 0
    try:
        if is_module:
            sys.argv = [target[1]] + target[2:]
            runpy.run_module(target[1], run_name='__main__', alter_sys=True)
        else:
            sys.argv = list(target)
            runpy.run_path(target[0], run_name='__main__')
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException:  # what python does with an uncaught exception
        traceback.print_exc()
        code = 1
    try:
        atexit._run_exitfuncs()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _start(args: List[str], env: Optional[Dict[str, str]],
           cwd: Optional[str], streams: Tuple):
    """Fork the child that runs ``args`` (the environment and working
    directory default to this process's); the started process."""
    env = dict(os.environ if env is None else env)
    cwd = os.getcwd() if cwd is None else str(cwd)
    proc = _forkserver().Process(target=_child,
                                 args=(args, cwd, env, streams,
                                       _interpreter_path()))
    proc.start()
    return proc


def _finished(proc, timeout: Optional[float]) -> bool:
    """Wait for ``proc``; False (after killing it) when it outlives
    ``timeout``."""
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return False
    return True


def run_tool(args: List[str], *, env: Optional[Dict[str, str]] = None,
             cwd: Optional[str] = None, timeout: float = 600
             ) -> subprocess.CompletedProcess:
    """``subprocess.run([sys.executable, *args], capture_output=True,
    text=True, ...)`` for a script path or ``-m module`` in ``args``, run
    in a forked child of the preloaded forkserver."""
    args = [str(a) for a in args]
    with tempfile.TemporaryDirectory(prefix='tool_process_') as tmp:
        out, err = osp.join(tmp, 'stdout'), osp.join(tmp, 'stderr')
        proc = _start(args, env, cwd, (os.devnull, out, err))
        if not _finished(proc, timeout):
            raise subprocess.TimeoutExpired([sys.executable, *args], timeout,
                                            _read(out), _read(err))
        return subprocess.CompletedProcess([sys.executable, *args],
                                           proc.exitcode, _read(out),
                                           _read(err))


def run_tool_to_log(args: List[str], log_path: str, *,
                    env: Optional[Dict[str, str]] = None,
                    cwd: Optional[str] = None,
                    timeout: Optional[float] = None) -> int:
    """``subprocess.run([sys.executable, *args], stdout=log,
    stderr=subprocess.STDOUT, ...).returncode`` with ``log`` the file
    ``log_path`` (created or truncated), run in a forked child of the
    preloaded forkserver."""
    args = [str(a) for a in args]
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        proc = _start(args, env, cwd, (os.devnull, _PassedFd(log),
                                       _PassedFd(log)))
    finally:  # the child has its own copy now
        os.close(log)
    if not _finished(proc, timeout):
        raise subprocess.TimeoutExpired([sys.executable, *args], timeout)
    return proc.exitcode


class ToolProcess:
    """A running tool with pipes to its stdin (``stdin``: the write end)
    and from its stdout (``stdout``: the read end), stderr to a file;
    ``poll``, ``wait`` and ``kill`` as :class:`subprocess.Popen` has
    them."""

    def __init__(self, args: List[str], process, stdin: int,
                 stdout: int) -> None:
        self.args = [sys.executable, *args]
        self._process = process
        self.pid = process.pid
        self.stdin = os.fdopen(stdin, 'wb', buffering=0)
        self.stdout = os.fdopen(stdout, 'rb', buffering=0)

    def poll(self) -> Optional[int]:
        return self._process.exitcode

    def wait(self, timeout: Optional[float] = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self._process.exitcode

    def kill(self) -> None:
        self._process.kill()

    def close(self) -> None:
        for stream in (self.stdin, self.stdout):
            stream.close()


def start_tool(args: List[str], *, stderr: str,
               env: Optional[Dict[str, str]] = None,
               cwd: Optional[str] = None) -> ToolProcess:
    """``subprocess.Popen([sys.executable, *args], stdin=PIPE,
    stdout=PIPE, stderr=<file stderr>)``, forked from the preloaded
    forkserver."""
    args = [str(a) for a in args]
    to_child, from_child = os.pipe(), os.pipe()
    streams = (_PassedFd(to_child[0]), _PassedFd(from_child[1]), str(stderr))
    try:
        proc = _start(args, env, cwd, streams)
    finally:  # the child has its own copies now
        os.close(to_child[0])
        os.close(from_child[1])
    return ToolProcess(args, proc, to_child[1], from_child[0])


def _read(path: str) -> str:
    if not osp.isfile(path):
        return ''
    with open(path, errors='replace') as f:
        return f.read()
