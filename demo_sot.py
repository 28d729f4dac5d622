"""Track objects through a video, a folder of frames or a webcam with STARK.

Examples::

    # the bundled sample clip with the bundled default model
    # -> demo_out.mp4 and demo_out.txt in the current folder
    python demo_sot.py

    python demo_sot.py video.mp4 --checkpoint CKPT --bbox 100 120 60 40 \
        --out out.mp4 --out-txt results.txt

``--checkpoint`` takes this package's checkpoints, official researchmm/Stark
``.pth.tar`` files and mmtracking checkpoints as they are; ``--config``
defaults to the config that fits the checkpoint. Without ``--checkpoint``
the bundled default model is used (a tiny STARK-ST trained on generated
videos: it shows the machinery, not benchmark accuracy).

A config stored in a checkpoint is read as data only; one holding code is
refused unless ``--trust-checkpoint-config`` says the file is trusted.

The logic lives in ``stark_plugin.apis`` (``init_model``, ``track_video``),
``stark_plugin.fileio`` (frame sources, outputs) and
``stark_plugin.visualization``; this script parses arguments, shows
progress and reports user errors as one line on stderr (exit code 2;
``STARK_DEBUG=1`` shows the traceback).
"""
import argparse
import collections
import os
import sys
import warnings
from typing import List, Optional

import cv2
import numpy as np
import torch
from mmengine.config import DictAction
from tqdm import tqdm

from stark_plugin.apis import BACKENDS, init_model, model_zoo, track_video
from stark_plugin.errors import InputError, run_cli
from stark_plugin.fileio import (TxtOutput, VideoOutput, check_output_path,
                                 open_source, read_first_box)
from stark_plugin.visualization import draw_tracks, draw_unreadable
from stark_plugin.visualization import interactive

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
DEFAULT_OUT = 'demo_out.mp4'
DEFAULT_OUT_TXT = 'demo_out.txt'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='STARK single/multi-object tracking demo')
    parser.add_argument(
        'input', nargs='?', help='video file, folder of frames or webcam '
        'index (0); default: the bundled sample clip, written to '
        f'{DEFAULT_OUT} and {DEFAULT_OUT_TXT}')
    parser.add_argument('--config', help='model config file (default: the '
                        'config that fits the checkpoint)')
    parser.add_argument(
        '--checkpoint', help='checkpoint: this package\'s, an official '
        '.pth.tar or an mmtracking .pth (default: the bundled default model, '
        'trained on generated videos)')
    parser.add_argument(
        '--trust-checkpoint-config', action='store_true',
        help='without --config, run the config stored in the checkpoint as '
        'Python (only for a file you trust; by default it is read as data '
        'and a stored config holding code is refused)')
    parser.add_argument(
        '--random-weights', action='store_true',
        help='random weights instead of a checkpoint (timing only; needs '
        '--config)')
    boxes = parser.add_mutually_exclusive_group()
    boxes.add_argument(
        '--bbox', nargs=4, type=float, action='append',
        metavar=('X', 'Y', 'W', 'H'),
        help='initial box in the start frame (pixels); repeat for '
        'several targets; without a box and with a display, select it '
        'with the mouse')
    boxes.add_argument(
        '--bbox-file', help='ground-truth file: its first line x,y,w,h '
        '(comma, tab or space separated)')
    parser.add_argument('--out', help='annotated output video (.mp4)')
    parser.add_argument(
        '--out-txt', help='results: frame,target,x,y,w,h,score per line')
    parser.add_argument('--show', action='store_true',
                        help='display frames live (q / Esc stops)')
    parser.add_argument('--device', default='cpu',
                        help='cpu (default) or cuda:0')
    parser.add_argument(
        '--threads', type=int,
        help="CPU threads of torch and ONNX Runtime (default: torch's, one "
        'per core); on a CPU shared with other jobs, the cores the demo has '
        'to itself')
    parser.add_argument(
        '--backend', default='torch',
        choices=BACKENDS,
        help='inference backend (default: torch)')
    parser.add_argument('--onnx-dir', help='exported ONNX graphs '
                        '(--backend onnxruntime / onnxruntime-int8: '
                        'tools/deployment/export_onnx.py [--int8])')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='config overrides, e.g. model.test_cfg.update_intervals=[25]')
    parser.add_argument('--start-frame', type=int, default=0,
                        help='first frame (default 0; the boxes refer to it)')
    parser.add_argument('--max-frames', type=int,
                        help='process at most this many frames')
    parser.add_argument(
        '--fps', type=float, help='output frame rate (default: the '
        "input's; 30 for a folder or a webcam)")
    return parser.parse_args(argv)


def _fill_defaults(args: argparse.Namespace) -> None:
    """The bundled clip, its box and the default outputs; the default
    model when no checkpoint is given."""
    if args.random_weights and args.checkpoint:
        raise InputError('--random-weights and --checkpoint exclude each '
                         'other')
    if args.random_weights and not args.config:
        raise InputError('--random-weights needs --config')
    if args.input is None:
        clip, box = model_zoo.sample_clip()
        args.input = clip
        if not (args.bbox or args.bbox_file):
            args.bbox = [box]
        if not (args.out or args.out_txt or args.show):
            args.out, args.out_txt = DEFAULT_OUT, DEFAULT_OUT_TXT
        print(f'input: the bundled sample clip {clip}')
    if args.checkpoint is None and not args.random_weights:
        args.checkpoint = model_zoo.DEFAULT_CHECKPOINT
        print(f'model: the bundled default model {args.checkpoint} (a tiny '
              'STARK-ST trained on generated videos: it shows the '
              'machinery, not benchmark accuracy; pass --checkpoint for a '
              'real model)')


def _warning_line(message, category, filename, lineno, file=None,
                  line=None) -> None:
    print(f'warning: {message}', file=sys.stderr, flush=True)


def _check_args(args: argparse.Namespace) -> None:
    """Refuse what cannot work before anything is opened or loaded."""
    for path, what in ((args.out, '--out'), (args.out_txt, '--out-txt')):
        if path:
            check_output_path(path, what)
    if not (args.out or args.out_txt or args.show):
        print('note: no --out / --out-txt / --show: the results are not '
              'saved')
    if args.backend.startswith('onnxruntime') and not args.onnx_dir:
        raise InputError(f'--backend {args.backend} needs --onnx-dir')
    if args.threads is not None and args.threads < 1:
        raise InputError(f'--threads must be at least 1, got {args.threads}')
    if args.show and not interactive.has_display():
        raise InputError('--show needs a display (DISPLAY is not set)')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise InputError(f'--device {args.device}: CUDA is not available')


def _initial_boxes(args: argparse.Namespace, source):
    """The first boxes (from the arguments, a file or the user's selection)
    and the source to track, positioned at its start."""
    if args.bbox:
        return args.bbox, source
    if args.bbox_file:
        return [read_first_box(args.bbox_file)], source
    if interactive.has_display():
        _, frame = next(source.frames(args.start_frame, 1), (None, None))
        source.close()
        if frame is None:
            raise InputError(f'cannot read frame {args.start_frame} of '
                             f'{source.name} to select a box')
        boxes = interactive.select_boxes(frame)
        return boxes, open_source(args.input, args.fps)  # from the start
    source.close()
    raise InputError('no initial box: give --bbox X Y W H or '
                     '--bbox-file FILE (no display for interactive '
                     'selection)')


class _Progress:
    """Per-frame times and scores, and the progress bar's fps."""

    def __init__(self, total: Optional[int]) -> None:
        self.bar = tqdm(total=total, unit='frame', file=sys.stderr,
                        dynamic_ncols=True)
        self.recent = collections.deque(maxlen=10)
        self.times: List[float] = []
        self.scores: list = []
        self.frames = 0

    def add(self, res: dict) -> Optional[float]:
        """Record one result; the recent fps (None before the first)."""
        self.frames += 1
        if res['valid'] and not res['init']:
            self.times.append(res['time'])
            self.recent.append(res['time'])
            self.scores.append(res['scores'])
        fps = len(self.recent) / sum(self.recent) \
            if sum(self.recent) > 0 else None
        self.bar.update(1)
        if fps:
            self.bar.set_postfix(fps=f'{fps:.1f}', refresh=False)
        return fps

    def summary(self, num_targets: int) -> str:
        times = self.times
        mean_fps = len(times) / sum(times) if sum(times) > 0 else float('nan')
        line = f'frames: {self.frames}, targets: {num_targets}, ' \
               f'mean fps: {mean_fps:.1f}'
        if self.scores and np.max(self.scores) >= 0:
            mean = np.mean(np.asarray(self.scores), axis=0)
            line += ', mean score: ' + ' '.join(
                f'#{t} {s:.3f}' for t, s in enumerate(mean))
        return line


def _track(args: argparse.Namespace, model, source, boxes,
           txt_out: Optional[TxtOutput], outputs: list,
           progress: _Progress) -> None:
    """Track and write every frame. The video output, opened at the first
    frame, is appended to ``outputs`` at once (so that an interruption or
    an error commits or removes it with the others)."""
    video_out: Optional[VideoOutput] = None
    size_wh = None
    for res in track_video(model, source, boxes, args.start_frame,
                           args.max_frames, backend=args.backend,
                           onnx_dir=args.onnx_dir):
        fps = progress.add(res)
        if res['frame'] is not None:
            size_wh = size_wh or res['frame'].shape[1::-1]
            vis = draw_tracks(res['frame'], res['boxes'], res['scores'],
                              res['frame_index'], fps)
        else:
            vis = draw_unreadable(size_wh, res['frame_index'])
        if args.out:
            if video_out is None:
                video_out = VideoOutput(args.out, source.fps, size_wh)
                outputs.append(video_out)
            video_out.write(vis)
        if txt_out:
            txt_out.write(res)
        if args.show:
            cv2.imshow('demo_sot', vis)
            if cv2.waitKey(1) & 0xFF in (ord('q'), 27):
                break


def run(args: argparse.Namespace) -> int:
    _fill_defaults(args)
    _check_args(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    boxes, source = _initial_boxes(args, open_source(args.input, args.fps))
    try:
        model = init_model(args.config, args.checkpoint, device=args.device,
                           cfg_options=args.cfg_options,
                           trust_config=args.trust_checkpoint_config)
        txt_out = TxtOutput(args.out_txt) if args.out_txt else None
    except BaseException:
        source.close()
        raise
    progress = _Progress(source.count(args.start_frame, args.max_frames))
    # outputs opened so far: the txt file now, the video at its first frame
    outputs = [o for o in (txt_out, ) if o]
    try:
        _track(args, model, source, boxes, txt_out, outputs, progress)
        for out in outputs:
            out.commit()
    except KeyboardInterrupt:
        progress.bar.close()
        kept = [p for p in (o.abort(keep=True) for o in outputs) if p]
        print('interrupted' + (f'; partial output left at {", ".join(kept)}'
                               if kept else ''), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BaseException:
        for out in outputs:
            out.abort(keep=False)
        raise
    finally:
        progress.bar.close()
        source.close()
    summary = progress.summary(len(boxes))
    if not args.device.startswith('cuda'):
        summary += f', CPU threads: {torch.get_num_threads()}'
    print(summary)
    for path in (args.out, args.out_txt):
        if path:
            print(f'wrote {os.path.abspath(path)}')
    return 0


def _main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    show_orig, warnings.showwarning = warnings.showwarning, _warning_line
    try:
        return run(args)
    except KeyboardInterrupt:
        print('interrupted', file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        warnings.showwarning = show_orig


def main(argv: Optional[List[str]] = None) -> int:
    """The demo; a user error is one ``error:`` line and exit code 2."""
    return run_cli(_main, argv, exit_code=EXIT_USER_ERROR)


if __name__ == '__main__':
    sys.exit(main())
