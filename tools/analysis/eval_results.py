#!/usr/bin/env python
"""Score raw tracker result folders on a benchmark with a named protocol.

Example::

    python tools/analysis/eval_results.py --dataset lasot \
        --data-root data/LaSOT --results work_dirs/stark_st2/lasot \
        other_results/ToMP --out metrics.json --plot-dir plots/

Each ``--results`` folder holds one tracker (named after the folder):
``<seq>.txt`` (pytracking / STARK raw style) or ``<seq>/<seq>_001.txt``
(GOT-10k submission style). The metric table, the JSON and the plots use the
protocol the benchmark's published numbers use unless ``--protocol`` says
otherwise; the protocol name is printed next to every number.

VOT (the numbers of vot-toolkit 0.9.0's ``vot analysis``)::

    python tools/analysis/eval_results.py --dataset vot \
        --data-root vot-workspace/sequences --stack vot2018 \
        --results vot-workspace/results/stark_st50

``--results`` are ``<results>/<tracker>`` folders of the toolkit layout
(``<experiment>/<seq>/<seq>_001.txt`` or ``.bin``, multistart
``<seq>_<anchor:08d>``; ``tools/test.py`` writes the same); ``--stack`` is
a toolkit stack name or a ``stack.yaml``; every experiment of the stack
with a results folder is analysed (``--experiment`` picks some).
"""
import argparse
import math
import os.path as osp
import sys
import warnings

import numpy as np

from stark_plugin.evaluation.benchmarks import (DATASETS, DEFAULT_SPLITS,
                                                load_benchmark)
from stark_plugin.evaluation.evaluate import make_sequence_inputs
from stark_plugin.evaluation.functional import (PROTOCOLS, build_protocol,
                                                default_protocol)
from stark_plugin.evaluation.report import format_metric_table
from stark_plugin.evaluation.vot import evaluate_tracker_folders
from stark_plugin.fileio.atomic import atomic_write_json
from stark_plugin.fileio.results import load_tracker_results


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Evaluate raw SOT result folders with the metrics of '
        'the official toolkits')
    parser.add_argument('--dataset', required=True,
                        choices=DATASETS + ('vot', ))
    parser.add_argument('--data-root', required=True,
                        help='root of the dataset in its official layout')
    parser.add_argument('--split', default=None,
                        help='subset: GOT-10k val/test/train, LaSOT '
                        'test/train, TrackingNet TRAIN_0..TRAIN_11/TEST, '
                        'UAV123 UAV123/UAV20L (default: the benchmark split)')
    parser.add_argument('--results', required=True, nargs='+',
                        metavar='DIR', help='one folder per tracker')
    parser.add_argument('--protocol', default=None, choices=sorted(PROTOCOLS),
                        help='default: the benchmark\'s published protocol')
    parser.add_argument('--on-invalid', default='miss',
                        choices=('miss', 'toolkit'),
                        help='where a toolkit crashes or gives NaN on an '
                        'invalid box: count a miss and warn (default), or '
                        'do what the toolkit does')
    parser.add_argument('--out', default=None, help='write metrics as JSON')
    parser.add_argument('--plot-dir', default=None,
                        help='write success / precision plots (PNG) here')
    vot = parser.add_argument_group('VOT (--dataset vot)')
    vot.add_argument('--stack', default=None,
                     help='vot-toolkit stack: vot2016..vot2022, votlt2020 '
                     'or a stack.yaml file')
    vot.add_argument('--experiment', nargs='+', default=None,
                     help='experiments to analyse (default: every one '
                     'with results)')
    vot.add_argument('--eao-interval', default=None,
                     help="'auto' (from the sequence lengths) or LOW,HIGH; "
                     'default: the stack\'s')
    vot.add_argument('--variant', default='vot-toolkit',
                     choices=('vot-toolkit', 'mmtracking'),
                     help='supervised numbers of vot-toolkit (default) or '
                     'of mmtracking 0.x')
    args = parser.parse_args(argv)
    if args.dataset == 'vot' and not args.stack:
        parser.error('--dataset vot needs --stack')
    return args


def _json_safe(obj):
    """NaN/inf -> the string ``"NaN"`` / ``"inf"`` (as expected.json does);
    numpy arrays and numbers -> lists and Python numbers."""
    if isinstance(obj, (np.ndarray, np.generic)):
        obj = obj.tolist()
    if isinstance(obj, float) and not math.isfinite(obj):
        return 'NaN' if math.isnan(obj) else ('inf' if obj > 0 else '-inf')
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj


def _write_json(path: str, data: dict) -> None:
    atomic_write_json(path, _json_safe(data), indent=1)


def _tracker_names(dirs):
    names = [osp.basename(osp.normpath(d)) for d in dirs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f'two results folders share the tracker name(s) '
                         f'{dup}; rename one')
    return names


def _eao_interval(text):
    if text is None or text == 'auto':
        return text
    try:
        low, high = (int(v) for v in text.split(','))
    except ValueError:
        raise ValueError(f"--eao-interval must be 'auto' or LOW,HIGH, got "
                         f'{text!r}') from None
    return low, high


def run_vot(args: argparse.Namespace) -> dict:
    """Every selected experiment of the stack, each tracker folder."""
    for d in args.results:
        if not osp.isdir(d):
            raise FileNotFoundError(f'results folder not found: {d}')
    names = _tracker_names(args.results)
    report = evaluate_tracker_folders(
        args.data_root, dict(zip(names, args.results)), args.stack,
        args.experiment, _eao_interval(args.eao_interval), args.variant)
    report = dict(dataset='vot', stack=args.stack, **report)
    for name, reason in report['skipped'].items():
        print(f'warning: {reason}; skipped', file=sys.stderr)
    for name, entry in report['experiments'].items():
        interval = entry['eao_interval']
        print(f"vot ({args.stack}), experiment {name!r}, "
              f"{len(report['sequences'])} sequences, protocol "
              f"{entry['protocol']!r}, {entry['variant']}"
              + (f', EAO interval {interval}' if interval else ''))
        print(format_metric_table(entry['trackers'], entry['protocol'],
                                  decimals=3))
    if args.out:
        _write_json(args.out, report)
        print(f'metrics written to {args.out}')
    return report


def run(args: argparse.Namespace) -> dict:
    from mmengine.utils import ProgressBar

    if args.dataset == 'vot':
        return run_vot(args)
    split = args.split or DEFAULT_SPLITS[args.dataset]
    for d in args.results:
        if not osp.isdir(d):
            raise FileNotFoundError(f'results folder not found: {d}')
    names = _tracker_names(args.results)
    annos = load_benchmark(args.dataset, args.data_root, split)
    if not annos:
        raise ValueError(f'no sequence found for {args.dataset} split '
                         f'{split!r} under {args.data_root}')
    if all(len(a.gt_bboxes) <= 1 for a in annos):
        raise ValueError(
            f'{args.dataset} split {split!r} has ground truth for the first '
            'frame only (withheld by the server): use tools/test.py '
            '--format-only to make a submission instead')
    protocol_name = args.protocol or default_protocol(args.dataset)
    protocol = build_protocol(protocol_name, args.dataset, args.on_invalid)

    report = {'dataset': args.dataset, 'split': split,
              'protocol': protocol_name, 'trackers': {}}
    curves = {}
    progress = ProgressBar(len(names), file=sys.stderr)
    for name, folder in zip(names, args.results):
        results = load_tracker_results(folder, [a.name for a in annos])
        outcome = protocol.evaluate(make_sequence_inputs(annos, results))
        report['trackers'][name] = outcome.to_dict()
        curves[name] = outcome.curves
        progress.update()
    sys.stderr.write('\n')

    print(f'{args.dataset} ({split}), {len(annos)} sequences, protocol '
          f'{protocol_name!r}')
    keys = [k for k in protocol.metric_keys
            if any(k in m for m in report['trackers'].values())]
    print(format_metric_table(report['trackers'], protocol_name, keys))

    if args.out:
        _write_json(args.out, report)
        print(f'metrics written to {args.out}')
    if args.plot_dir:
        from stark_plugin.visualization.plots import plot_success_precision
        plotted = {n: c for n, c in curves.items() if c}
        files = plot_success_precision(
            plotted, report['trackers'], args.plot_dir,
            prefix=f'{args.dataset}_',
            title_suffix=f' ({args.dataset}, {protocol_name})')
        for f in files:
            print(f'plot written to {f}')
    return report


def _show_warning(message, category, filename, lineno, file=None,
                  line=None) -> None:
    print(f'warning: {message}', file=sys.stderr)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('always')
            warnings.showwarning = _show_warning
            run(args)
    except (FileNotFoundError, ValueError, NotImplementedError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
