"""Export STARK to two static-size ONNX graphs for ONNX Runtime.

Example::

    python tools/deployment/export_onnx.py \
        configs/sot/stark/stark_st2_r50_50e_got10k.py ckpt.pth --out onnx/
    python demo_sot.py video.mp4 --config ... --checkpoint ckpt.pth \
        --backend onnxruntime --onnx-dir onnx/ --bbox x y w h

Writes ``template.onnx`` (template branch), ``search.onnx`` (search branch +
transformer + heads) and ``meta.json``; checks the graphs against PyTorch
with ONNX Runtime unless ``--no-check``.

int8 graphs for ``--backend onnxruntime-int8`` (static quantization of the
search graph, calibrated on ``--calib-frames`` frames of a generated
sequence tracked with the float graphs; see
``stark_plugin/deploy/int8.py``)::

    python tools/deployment/export_onnx.py CONFIG CKPT --out onnx_int8/ \
        --int8 --calib-frames 32

The check then compares the int8 search graph with PyTorch on the crops of
another generated sequence and fails above ``--int8-atol`` (normalised box
coordinates and sigmoid scores).
"""
import argparse
import logging
import sys

import torch
from mmengine.config import DictAction
from mmengine.logging import MMLogger

from stark_plugin.apis import init_model
from stark_plugin.deploy.int8 import (DEFAULT_INT8_OPS, check_int8_parity,
                                      export_int8)
from stark_plugin.deploy.onnx_export import export_onnx
from stark_plugin.deploy.onnx_runtime import check_onnx_parity
from stark_plugin.errors import run_cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='stark_plugin checkpoint; "none" '
                        'exports random weights (for testing)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--no-check', action='store_true',
                        help='skip the ONNX Runtime parity check')
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='parity tolerance of the check')
    parser.add_argument('--int8', action='store_true',
                        help='int8 graphs (backend onnxruntime-int8)')
    parser.add_argument('--calib-frames', type=int, default=None,
                        help='--int8: tracked frames of the calibration '
                        'sequence (default 32)')
    parser.add_argument('--int8-ops', nargs='+', default=None,
                        help='--int8: operators to quantize (default Conv; '
                        'any of Conv MatMul Gemm)')
    parser.add_argument('--int8-atol', type=float, default=0.05,
                        help='--int8: tolerance of the check on normalised '
                        'boxes and sigmoid scores (default 0.05)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='key=value overrides, e.g. '
                        'model.test_cfg.update_intervals=[25]')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.int8 and (args.calib_frames is not None
                          or args.int8_ops is not None):
        print('error: --calib-frames / --int8-ops need --int8',
              file=sys.stderr)
        return 2
    if args.calib_frames is None:
        args.calib_frames = 32
    if args.calib_frames < 1:
        print(f'error: --calib-frames must be >= 1, got {args.calib_frames}',
              file=sys.stderr)
        return 2
    checkpoint = None if args.checkpoint.lower() == 'none' else \
        args.checkpoint
    model = init_model(args.config, checkpoint, cfg_options=args.cfg_options)
    if checkpoint is None:
        MMLogger.get_current_instance().setLevel(logging.ERROR)
        torch.manual_seed(0)
        model.init_weights()
        model.eval()
    if args.int8:
        try:
            paths = export_int8(
                model, args.out, calib_frames=args.calib_frames,
                op_types=args.int8_ops or DEFAULT_INT8_OPS,
                opset=args.opset, log=print)
        except ValueError as err:
            print(f'error: {err}', file=sys.stderr)
            return 2
    else:
        paths = export_onnx(model, args.out, opset=args.opset)
    print(f'wrote {paths["template"]}, {paths["search"]}, {paths["meta"]}')
    if not args.no_check:
        if args.int8:
            diff = check_int8_parity(model, args.out)
        else:
            diff = check_onnx_parity(model, args.out)
        print('max abs difference to PyTorch: ' +
              ', '.join(f'{k} {v:.2e}' for k, v in diff.items()))
        atol = args.int8_atol if args.int8 else args.atol
        if max(diff.values()) > atol:
            print(f'error: ONNX Runtime outputs differ from PyTorch by more '
                  f'than {atol}', file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
