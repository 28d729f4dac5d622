"""What the TraX tracker runs: model, backend and device, from command-line
arguments or from the environment.

The VOT toolkit starts a ``traxpython`` tracker as ``python -m MODULE``
without arguments, and passes settings as environment variables: a key
``env_stark_vot_checkpoint = ...`` of ``trackers.ini`` becomes
``STARK_VOT_CHECKPOINT``. A command-line argument beats its variable.

| argument | variable | default |
| --- | --- | --- |
| ``--checkpoint`` | ``STARK_VOT_CHECKPOINT`` | required |
| ``--config`` | ``STARK_VOT_CONFIG`` | the checkpoint's stored config |
| ``--backend`` | ``STARK_VOT_BACKEND`` | ``torch`` |
| ``--onnx-dir`` | ``STARK_VOT_ONNX_DIR`` | none (ONNX backends need it) |
| ``--device`` | ``STARK_VOT_DEVICE`` | ``cpu`` |
| ``--threads`` | ``STARK_VOT_THREADS`` | torch's default |
| ``--single-object`` | ``STARK_VOT_SINGLE_OBJECT=1`` | off |
"""
import argparse
import os
import os.path as osp
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from ..apis import BACKENDS, ONNX_BACKENDS
from ..errors import InputError

__all__ = ['ENV_PREFIX', 'TrackerSettings', 'add_settings_arguments',
           'build_tracker_parser', 'resolve_settings',
           'parse_tracker_settings']

#: prefix of the environment variables read here
ENV_PREFIX = 'STARK_VOT_'
_TRUE, _FALSE = ('1', 'true', 'yes', 'on'), ('', '0', 'false', 'no', 'off')


@dataclass
class TrackerSettings:
    """Everything the TraX tracker needs to build its inferencer."""
    checkpoint: str
    config: Optional[str] = None
    backend: str = 'torch'
    onnx_dir: Optional[str] = None
    device: str = 'cpu'
    threads: Optional[int] = None
    single_object: bool = False

    def as_arguments(self) -> list:
        """The command-line arguments that give these settings."""
        args = ['--checkpoint', self.checkpoint]
        for flag, value in (('--config', self.config),
                            ('--backend', self.backend),
                            ('--onnx-dir', self.onnx_dir),
                            ('--device', self.device),
                            ('--threads', self.threads)):
            if value is not None:
                args += [flag, str(value)]
        return args + (['--single-object'] if self.single_object else [])

    def as_environment(self) -> dict:
        """The ``STARK_VOT_*`` variables that give these settings."""
        env = {'CHECKPOINT': self.checkpoint, 'CONFIG': self.config,
               'BACKEND': self.backend, 'ONNX_DIR': self.onnx_dir,
               'DEVICE': self.device, 'THREADS': self.threads,
               'SINGLE_OBJECT': '1' if self.single_object else None}
        return {ENV_PREFIX + k: str(v) for k, v in env.items()
                if v is not None}


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """The model/backend/device arguments (shared with the workspace
    command); defaults are None so that the environment can fill them."""
    parser.add_argument('--checkpoint', help='STARK checkpoint (any format '
                        'init_model reads)')
    parser.add_argument('--config', help='model config (default: the one '
                        'stored in the checkpoint, read as data)')
    parser.add_argument('--backend', choices=BACKENDS,
                        help='inference backend (default: torch)')
    parser.add_argument('--onnx-dir', help='exported ONNX graphs (ONNX '
                        'backends)')
    parser.add_argument('--device', help='torch device (default: cpu)')
    parser.add_argument('--threads', type=int,
                        help='torch CPU threads (default: torch decides)')
    parser.add_argument('--single-object', action='store_true', default=None,
                        help='announce the single-object TraX protocol '
                        '(default: multi-object, all targets in one batch)')


def build_tracker_parser() -> argparse.ArgumentParser:
    """The tracker's parser (``python -m stark_plugin.vot [options]``)."""
    parser = argparse.ArgumentParser(
        prog='python -m stark_plugin.vot',
        description='STARK as a TraX tracker for the VOT toolkit. Options '
        f'may also come from {ENV_PREFIX}* environment variables (the '
        'env_* keys of trackers.ini). "python -m stark_plugin.vot '
        'workspace --help" writes a toolkit workspace.')
    add_settings_arguments(parser)
    return parser


def _flag(value: str, name: str) -> bool:
    low = value.strip().lower()
    if low not in _TRUE + _FALSE:
        raise InputError(f'{name}={value!r}: expected 1/0, true/false, '
                         'yes/no or on/off')
    return low in _TRUE


def _existing(path: str, what: str, source: str) -> str:
    path = osp.abspath(osp.expanduser(path))
    if not osp.exists(path):
        raise FileNotFoundError(f'{what} not found: {path} (from {source})')
    return path


def resolve_settings(args: argparse.Namespace,
                     environ: Mapping[str, str]) -> TrackerSettings:
    """Arguments first, then ``STARK_VOT_*`` variables, then defaults;
    paths are checked and made absolute.

    Raises:
        InputError: no checkpoint, a bad backend/threads/flag value.
        FileNotFoundError: a given file or folder does not exist.
    """
    def pick(name: str):
        value = getattr(args, name, None)
        if value is not None:
            return value, f'--{name.replace("_", "-")}'
        key = ENV_PREFIX + name.upper()
        if environ.get(key, '') != '':
            return environ[key], key
        return None, None

    checkpoint, source = pick('checkpoint')
    if checkpoint is None:
        raise InputError(f'no checkpoint: pass --checkpoint or set '
                         f'{ENV_PREFIX}CHECKPOINT (trackers.ini: '
                         f'env_{ENV_PREFIX.lower()}checkpoint = PATH)')
    settings = TrackerSettings(_existing(checkpoint, 'checkpoint', source))
    config, source = pick('config')
    if config is not None:
        settings.config = _existing(config, 'config', source)
    backend, source = pick('backend')
    if backend is not None:
        if backend not in BACKENDS:
            raise InputError(f'{source}={backend!r}: the backend must be one '
                             f'of {", ".join(BACKENDS)}')
        settings.backend = backend
    onnx_dir, source = pick('onnx_dir')
    if onnx_dir is not None:
        settings.onnx_dir = _existing(onnx_dir, 'ONNX folder', source)
    elif settings.backend in ONNX_BACKENDS:
        raise InputError(f'backend {settings.backend} needs --onnx-dir or '
                         f'{ENV_PREFIX}ONNX_DIR (the export_onnx.py output)')
    device, _ = pick('device')
    settings.device = device or 'cpu'
    threads, source = pick('threads')
    if threads is not None:
        try:
            settings.threads = int(threads)
        except ValueError:
            raise InputError(f'{source}={threads!r} is not an integer') \
                from None
        if settings.threads < 1:
            raise InputError(f'{source}={threads}: need at least 1 thread')
    single, source = pick('single_object')
    if isinstance(single, str):
        single = _flag(single, source)
    settings.single_object = bool(single)
    return settings


def parse_tracker_settings(argv: Optional[Sequence[str]] = None,
                           environ: Optional[Mapping[str, str]] = None
                           ) -> TrackerSettings:
    """Parse ``argv`` (default: ``sys.argv[1:]``) and ``environ`` (default:
    ``os.environ``)."""
    args = build_tracker_parser().parse_args(argv)
    return resolve_settings(args, os.environ if environ is None else environ)
