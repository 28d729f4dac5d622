"""A VOT toolkit workspace ready to evaluate STARK, offline.

``python -m stark_plugin.vot workspace DIR --stack STACK --checkpoint C
[--config F] (--sequences FOLDER | --synthetic N)`` writes::

    DIR/config.yaml    registry ./trackers.ini, the stack, sequences
    DIR/trackers.ini   the tracker entry (protocol traxpython, command
                       stark_plugin.vot, this Python, STARK_VOT_* settings)
    DIR/stack.yaml     a copy of STACK when it is a file (else STACK is one
                       of the toolkit's named stacks, e.g. vot2020/shortterm)
    DIR/sequences      a link to (or a copy of) a VOT dataset folder with
                       list.txt, or generated sequences; with list.txt
                       present the toolkit downloads nothing
    DIR/results/

Running it again on DIR with another ``--name`` adds a tracker to the
same workspace.
"""
import argparse
import os
import os.path as osp
import re
import shutil
import sys
from typing import Dict, List, Optional, Sequence

from ..datasets.synthetic_vot import make_synthetic_vot
from ..errors import InputError
from ..fileio.vot import (check_sequence_folders, read_stack,
                          read_workspace_config, write_tracker_entry,
                          write_workspace_config)
from .settings import (TrackerSettings, add_settings_arguments,
                       resolve_settings)

__all__ = ['tracker_entry', 'write_workspace', 'workspace_main']

#: the package folder's parent: what the tracker process must import from
PACKAGE_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_STACK_NAME = re.compile(r'^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$')
_IDENTIFIER = re.compile(r'^[A-Za-z0-9_\-]+$')


def _import_paths() -> List[str]:
    """The package root, then this process's PYTHONPATH entries."""
    extra = [osp.abspath(p) for p in
             os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]
    return list(dict.fromkeys([PACKAGE_ROOT] + extra))


def tracker_entry(settings: TrackerSettings, python: str = sys.executable,
                  timeout: int = 300) -> Dict[str, str]:
    """The ``trackers.ini`` keys of the STARK tracker (values as the
    toolkit should read them, before ``%`` escaping)."""
    entry = {
        'protocol': 'traxpython',
        'command': 'stark_plugin.vot',
        'python': python,
        # the toolkit reverses this list when it builds PYTHONPATH
        'paths': os.pathsep.join(reversed(_import_paths())),
        'timeout': str(int(timeout)),
    }
    for key, value in settings.as_environment().items():
        if '$' in value:
            raise InputError(f'{value}: the toolkit expands $ in env_* '
                             'values; use a path without $')
        entry['env_' + key.lower()] = value
    return entry


def _stack_value(directory: str, stack: str) -> str:
    if osp.isfile(stack):
        read_stack(stack)  # a stack file, not some other YAML
        target = osp.join(directory, 'stack.yaml')
        if osp.abspath(stack) != osp.abspath(target):
            shutil.copyfile(stack, target)
        return './stack.yaml'
    if not _STACK_NAME.match(stack):
        raise InputError(f'--stack {stack!r}: neither a file nor a toolkit '
                         'stack name such as vot2020/shortterm')
    return stack


#: the generated sequences of ``--synthetic`` (see make_synthetic_vot)
_SYNTHETIC_STYLE = dict(size=(160, 120), anchor_every=10,
                        backward_anchor=False, tags=False, length=False,
                        jpeg_quality=95)


def _write_synthetic(target: str, count: int, num_frames: int = 30,
                     masks: bool = False) -> List[str]:
    """``count`` generated sequences, rectangle or mask ground truth."""
    return make_synthetic_vot(target, count, num_frames,
                              regions=('mask' if masks else 'rectangle', ),
                              **_SYNTHETIC_STYLE)


def _place_sequences(target: str, sequences: Optional[str], copy: bool,
                     synthetic: int, synthetic_options: dict,
                     force: bool) -> List[str]:
    if sequences is None and not synthetic:
        if osp.isfile(osp.join(target, 'list.txt')):
            return check_sequence_folders(target)  # kept from an earlier call
        raise InputError('no sequences: pass --sequences FOLDER (a VOT '
                         'dataset with list.txt) or --synthetic N')
    if sequences is not None and osp.realpath(sequences) == \
            osp.realpath(target):
        return check_sequence_folders(target)
    if osp.lexists(target):
        if not force:
            raise InputError(f'{target} exists; pass --force to replace it')
        if osp.islink(target) or osp.isfile(target):
            os.remove(target)
        else:
            shutil.rmtree(target)
    if synthetic:
        return _write_synthetic(target, synthetic, **synthetic_options)
    names = check_sequence_folders(sequences)
    if copy:
        shutil.copytree(sequences, target, symlinks=True)
    else:
        os.symlink(osp.abspath(sequences), target)
    return names


def _write_config(directory: str, stack: str, force: bool) -> None:
    path = osp.join(directory, 'config.yaml')
    config = {'registry': ['./trackers.ini'], 'stack': stack,
              'sequences': 'sequences'}
    if osp.isfile(path) and not force:
        old = read_workspace_config(path)
        if old.get('stack') != stack or old.get('sequences', 'sequences') \
                != 'sequences':
            raise InputError(f'{path} has stack {old.get("stack")!r}, not '
                             f'{stack!r}; pass --force to rewrite it')
        config = {**old, 'registry': list(dict.fromkeys(
            list(old.get('registry') or []) + ['./trackers.ini']))}
    write_workspace_config(path, config)


def write_workspace(directory: str, settings: TrackerSettings, stack: str,
                    sequences: Optional[str] = None, synthetic: int = 0,
                    name: str = 'stark', copy: bool = False,
                    python: str = sys.executable, timeout: int = 300,
                    force: bool = False,
                    synthetic_options: Optional[dict] = None) -> List[str]:
    """Write (or add tracker ``name`` to) the workspace ``directory``;
    returns the sequence names. See the module docstring for the files."""
    if not _IDENTIFIER.match(name):
        raise InputError(f'--name {name!r}: the toolkit accepts letters, '
                         'digits, _ and - only')
    directory = osp.abspath(directory)
    os.makedirs(osp.join(directory, 'results'), exist_ok=True)
    stack_value = _stack_value(directory, stack)
    names = _place_sequences(osp.join(directory, 'sequences'), sequences,
                             copy, synthetic, synthetic_options or {}, force)
    _write_config(directory, stack_value, force)
    write_tracker_entry(osp.join(directory, 'trackers.ini'), name,
                        tracker_entry(settings, python, timeout))
    return names


def build_workspace_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='python -m stark_plugin.vot workspace',
        description='Write a VOT toolkit workspace that evaluates STARK '
        'offline (then: cd DIR && vot evaluate NAME && vot analysis NAME).')
    parser.add_argument('directory', help='workspace folder')
    parser.add_argument('--stack', required=True, help='a toolkit stack '
                        'name (vot2020/shortterm, vot2020/longterm, ...) '
                        'or a stack YAML file')
    source = parser.add_mutually_exclusive_group()
    source.add_argument('--sequences', help='VOT dataset folder (list.txt '
                        'and sequence folders), linked unless --copy')
    source.add_argument('--synthetic', type=int, default=0, metavar='N',
                        help='generate N small sequences instead')
    parser.add_argument('--copy', action='store_true',
                        help='copy --sequences instead of linking it')
    parser.add_argument('--synthetic-frames', type=int, default=30)
    parser.add_argument('--synthetic-masks', action='store_true',
                        help='generated ground truth as masks (VOT2020)')
    parser.add_argument('--name', default='stark', help='tracker name')
    parser.add_argument('--python', default=sys.executable,
                        help='interpreter that runs the tracker (default: '
                        'this one)')
    parser.add_argument('--timeout', type=int, default=300, help='seconds '
                        'the toolkit waits for the tracker')
    parser.add_argument('--force', action='store_true',
                        help='replace sequences / config.yaml of DIR')
    add_settings_arguments(parser)
    return parser


def workspace_main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m stark_plugin.vot workspace ...``."""
    args = build_workspace_parser().parse_args(argv)
    settings = resolve_settings(args, {})  # only what the command says
    names = write_workspace(
        args.directory, settings, args.stack, args.sequences, args.synthetic,
        args.name, args.copy, args.python, args.timeout, args.force,
        dict(num_frames=args.synthetic_frames, masks=args.synthetic_masks))
    print(f'workspace {osp.abspath(args.directory)}: tracker {args.name!r}, '
          f'{len(names)} sequences, stack {args.stack}\n'
          f'run: cd {osp.abspath(args.directory)} && vot evaluate '
          f'{args.name} && vot analysis {args.name}')
    return 0
