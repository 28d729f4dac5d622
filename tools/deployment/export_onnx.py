"""Export STARK to two static-size ONNX graphs for ONNX Runtime.

Example::

    python tools/deployment/export_onnx.py \
        configs/sot/stark/stark_st2_r50_50e_got10k.py ckpt.pth --out onnx/
    python demo_sot.py video.mp4 --config ... --checkpoint ckpt.pth \
        --backend onnxruntime --onnx-dir onnx/ --bbox x y w h

Writes ``template.onnx`` (template branch), ``search.onnx`` (search branch +
transformer + heads) and ``meta.json``; checks the graphs against PyTorch
with ONNX Runtime unless ``--no-check``.
"""
import argparse
import os.path as osp
import sys


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
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='key=value overrides, e.g. '
                        'model.test_cfg.update_intervals=[25]')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))))
    import torch

    from stark_plugin.apis import init_model
    from stark_plugin.apis.onnx_backend import check_onnx_parity, export_onnx

    cfg_options = {}
    for item in args.cfg_options:
        key, _, value = item.partition('=')
        cfg_options[key] = eval(value, {}, {})
    checkpoint = None if args.checkpoint.lower() == 'none' else \
        args.checkpoint
    try:
        model = init_model(args.config, checkpoint,
                           cfg_options=cfg_options or None)
    except (FileNotFoundError, RuntimeError, KeyError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    if checkpoint is None:
        import logging

        from mmengine.logging import MMLogger
        MMLogger.get_current_instance().setLevel(logging.ERROR)
        torch.manual_seed(0)
        model.init_weights()
        model.eval()
    paths = export_onnx(model, args.out, opset=args.opset)
    print(f'wrote {paths["template"]}, {paths["search"]}, {paths["meta"]}')
    if not args.no_check:
        diff = check_onnx_parity(model, args.out)
        print('max abs difference to PyTorch: ' +
              ', '.join(f'{k} {v:.2e}' for k, v in diff.items()))
        if max(diff.values()) > args.atol:
            print(f'error: ONNX Runtime outputs differ from PyTorch by more '
                  f'than {args.atol}', file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
