"""Speed benchmark of the STARK tracking step (see stark_plugin.benchmarking).

Example::

    python tools/analysis/benchmark.py \
        configs/sot/stark/stark_st2_r50_50e_got10k.py \
        --threads 2 --frames 60 --backend torch torch-bf16 onnxruntime \
        onnxruntime-int8 --targets 4 --json bench.json

    # STARK-Lightning on a folder of frames (e.g. the parity fixture's)
    python tools/analysis/benchmark.py \
        configs/sot/stark/stark_lightning_x_trt_got10k.py --checkpoint CKPT \
        --threads 2 --frames 34 --init-box 67 56.5 61 45 \
        --frames-dir tests/data/reference/sequence/frames

    # drift only (no timing) of a trained model over 6 generated videos
    python tools/analysis/benchmark.py \
        configs/sot/stark/stark_st2_tiny_synth.py \
        --checkpoint stark_plugin/assets/stark_st_tiny_synth_rich.pth \
        --sequence rich --frame-size 240 320 --frames 100 --drift-videos 6

Prints the table of every path (naive baseline and backends), the step's
parts, the multi-target step, and the roofline view (peak probe of this
machine with the threads used, counted FLOPs, achieved GFLOP/s per part),
and a drift control: the fp32 tracker started from a first box moved by
--control-shift pixels, whose closed-loop IoU to itself is the drift no
backend can beat. With --drift-videos, only drift (no timing) over several
generated videos. --background-load N times everything beside N busy
processes (a shared CPU); --ort-spinning lets ONNX Runtime's threads
spin-wait between runs (off by default).
"""
import argparse
import logging
import os.path as osp
import sys
from typing import Optional

import torch

from stark_plugin.apis.inference import BACKENDS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Time initialize and the tracking step of STARK '
        '(naive path vs backends) on a generated sequence.')
    parser.add_argument('config', help='model config file')
    parser.add_argument('--checkpoint', help='checkpoint (default: random '
                        'weights, fine for timing)')
    parser.add_argument('--device', default='cpu', help='cpu | cuda | cuda:N')
    parser.add_argument('--threads', type=int, help='torch / onnxruntime '
                        'intra-op threads (default: torch default)')
    parser.add_argument('--frames', type=int, default=60,
                        help='measured tracking steps (default 60)')
    parser.add_argument('--warmup', type=int, default=5,
                        help='untimed steps first (default 5)')
    parser.add_argument('--targets', type=int, default=1,
                        help='also time K targets tracked in one batch')
    parser.add_argument('--backend', nargs='+', default=None,
                        choices=BACKENDS,
                        help='backends (default: torch torch-bf16, plus '
                        'onnxruntime and onnxruntime-int8 when installed)')
    parser.add_argument('--onnx-dir', help='exported graphs for onnxruntime '
                        '(default: export to a temporary folder)')
    parser.add_argument('--int8-dir', help='graphs of export_onnx.py --int8 '
                        'for onnxruntime-int8 (default: export and calibrate '
                        'to a temporary folder)')
    parser.add_argument('--calib-frames', type=int, default=32,
                        help='calibration frames of that export (default 32)')
    parser.add_argument('--sequence', default='lissajous',
                        choices=['lissajous', 'rich', 'basic'],
                        help='generated sequence: lissajous (default), or '
                        'rich / basic (the synthetic training styles; for '
                        'drift of the tiny synthetic models)')
    parser.add_argument('--drift-videos', type=int, metavar='N',
                        help='no timing: drift of each backend against fp32 '
                        'over N generated --sequence videos of --frames '
                        'frames (closed and open loop, IoU to the truth, '
                        'the fp32 control)')
    parser.add_argument('--drift-seed', type=int, default=10,
                        help='seed of the first --drift-videos video '
                        '(default 10; the training videos use seed 0)')
    parser.add_argument('--control-shift', type=float, default=0.1,
                        metavar='PX', help='drift control: fp32 tracking '
                        'from the first box moved by PX pixels (default '
                        '0.1; 0 skips it)')
    parser.add_argument('--frame-size', type=int, nargs=2, default=[480, 640],
                        metavar=('H', 'W'), help='frame height and width '
                        '(default 480 640)')
    parser.add_argument('--no-roofline', action='store_true',
                        help='skip the peak probe and FLOP counting '
                        '(CPU only)')
    parser.add_argument('--repeats', type=int, default=10,
                        help='repetitions of each part timing')
    parser.add_argument('--no-naive', action='store_true',
                        help='skip the naive baseline')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='key=value overrides, e.g. '
                        'model.test_cfg.update_intervals=[25]')
    parser.add_argument('--frames-dir', help='track the images of this '
                        'folder (sorted by name) instead of the generated '
                        'sequence; needs --init-box')
    parser.add_argument('--init-box', type=float, nargs=4,
                        metavar=('X', 'Y', 'W', 'H'),
                        help='initial box of --frames-dir (pixels)')
    parser.add_argument('--background-load', type=int, default=0,
                        metavar='N', help='run N busy processes (one core '
                        'each) beside the timed run, as on a shared CPU '
                        '(default 0; recorded in the report)')
    parser.add_argument('--ort-spinning', action='store_true',
                        help="let ONNX Runtime's threads spin-wait between "
                        'runs (off by default: it only pays on an idle, '
                        'dedicated CPU)')
    parser.add_argument('--json', help='write the full report here')
    return parser.parse_args(argv)


def read_frames(folder: str) -> list:
    """BGR images of ``folder`` sorted by file name."""
    import os

    import cv2
    if not osp.isdir(folder):
        raise FileNotFoundError('no such folder')
    names = sorted(n for n in os.listdir(folder)
                   if n.lower().endswith(('.png', '.jpg', '.jpeg', '.bmp')))
    frames = [cv2.imread(osp.join(folder, n)) for n in names]
    bad = [n for n, f in zip(names, frames) if f is None]
    if not frames or bad:
        raise ValueError(f'unreadable images: {bad[:3]}' if bad else
                         'no images (.png / .jpg / .bmp)')
    return frames


def _argument_error(args) -> Optional[str]:
    """The message of the first invalid numeric argument, else None."""
    if args.frames < 2 or args.targets < 1:
        return '--frames must be >= 2 and --targets >= 1'
    if args.control_shift < 0:
        return f'--control-shift {args.control_shift}: must be >= 0'
    if args.background_load < 0:
        return f'--background-load {args.background_load}: must be >= 0'
    if min(args.frame_size) < 64:
        return (f'--frame-size {args.frame_size[0]} {args.frame_size[1]}: '
                'height and width must be >= 64')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        return f'--device {args.device}: CUDA is not available'
    return None


def _default_backends(args) -> list:
    """--backend, else torch and torch-bf16 (and the ONNX Runtime
    backends on a CPU where onnxruntime is installed)."""
    if args.backend is not None:
        return args.backend
    backends = ['torch', 'torch-bf16']
    try:
        import onnxruntime  # noqa: F401
        if not args.device.startswith('cuda'):
            backends += ['onnxruntime', 'onnxruntime-int8']
    except ImportError:
        pass
    return backends


def _build_model(args):
    """The model of the config (random weights, seed 0, without
    --checkpoint)."""
    from mmengine.logging import MMLogger

    from stark_plugin.apis import init_model
    cfg_options = {}
    for item in args.cfg_options:
        key, _, value = item.partition('=')
        cfg_options[key] = eval(value, {}, {})  # literals only in practice
    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=cfg_options or None)
    if args.checkpoint is None:
        torch.manual_seed(0)
        MMLogger.get_current_instance().setLevel(logging.ERROR)
        model.init_weights()
        model.eval()
    return model


def main(argv=None) -> int:
    args = parse_args(argv)
    from stark_plugin.benchmarking import benchmark, format_table

    if args.threads:
        torch.set_num_threads(args.threads)
    error = _argument_error(args)
    if error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    backends = _default_backends(args)
    frames = None
    if args.frames_dir or args.init_box:
        if not (args.frames_dir and args.init_box):
            print('error: --frames-dir and --init-box go together',
                  file=sys.stderr)
            return 2
        try:
            frames = (read_frames(args.frames_dir), args.init_box)
        except (FileNotFoundError, ValueError) as err:
            print(f'error: --frames-dir {args.frames_dir}: {err}',
                  file=sys.stderr)
            return 2
    try:
        model = _build_model(args)
    except (FileNotFoundError, RuntimeError, KeyError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    if args.drift_videos is not None:
        return _drift_study(args, model, backends)
    report = benchmark(
        model, backends=backends, num_frames=args.frames,
        warmup=args.warmup, targets=args.targets, onnx_dir=args.onnx_dir,
        part_repeats=args.repeats, naive=not args.no_naive,
        int8_dir=args.int8_dir, calib_frames=args.calib_frames,
        roofline=not args.no_roofline and args.device == 'cpu',
        sequence=args.sequence, frame_size=tuple(args.frame_size),
        control_shift_px=args.control_shift,
        log=lambda msg: print(msg, flush=True), frames=frames,
        background_load=args.background_load,
        ort_spinning=args.ort_spinning)
    return _publish(args, report, format_table(report))


def _publish(args, report: dict, table: str) -> int:
    """Print ``table``; write ``report`` (with the config and checkpoint
    named in its settings) to ``--json``."""
    from stark_plugin.fileio.atomic import atomic_write_json
    report['settings'].update(config=args.config, checkpoint=args.checkpoint)
    print(table)
    if args.json:
        atomic_write_json(args.json, report)
        print(f'wrote {args.json}')
    return 0


def _drift_study(args, model, backends) -> int:
    from stark_plugin.benchmarking import drift_study, format_drift_table
    if args.drift_videos < 1 or args.frames_dir:
        print('error: --drift-videos needs N >= 1 and generated videos '
              '(not --frames-dir)', file=sys.stderr)
        return 2
    if args.background_load:
        print('error: --background-load: a drift study has no timing',
              file=sys.stderr)
        return 2
    if args.checkpoint is None:
        print('warning: random weights: drift of an untrained tracker '
              'measures nothing (pass --checkpoint)', file=sys.stderr)
    report = drift_study(
        model, backends=backends, videos=args.drift_videos,
        num_frames=args.frames, frame_size=tuple(args.frame_size),
        sequence=args.sequence, seed=args.drift_seed,
        onnx_dir=args.onnx_dir, int8_dir=args.int8_dir,
        calib_frames=args.calib_frames, control_shift_px=args.control_shift,
        log=lambda msg: print(msg, flush=True))
    return _publish(args, report, format_drift_table(report))


if __name__ == '__main__':
    sys.exit(main())
