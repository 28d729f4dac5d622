#!/usr/bin/env python
"""Check that stark_plugin trains exactly as the official STARK code does.

Example::

    python tools/analysis/check_training_parity.py \\
        --fixture tests/data/reference/train --json parity.json

The fixture folder holds outputs of the official training code (format:
``tests/data/reference/train/README.md``): the processing of a few samples
with recorded jitter draws, one stage-1 step, optionally the same step with
the corner head's BatchNorm in eval mode, one stage-2 step and the official
training settings. Its weights and frames are ``../weights/`` and
``../sequence/frames/`` next to it.

Each check runs the code ``tools/train.py`` runs (see
``stark_plugin.testing.training_parity``). Prints one table (check,
measured, tolerance, pass) and exits 1 on any failing row or on a fixture
it cannot read fully.
"""
import argparse
import sys
from typing import Optional, Sequence

from stark_plugin.testing.training_parity import (DEFAULT_CONFIGS,
                                                  check_training_parity)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check the training path against a fixture of the '
        'official STARK training code')
    parser.add_argument('--fixture', required=True,
                        help='fixture folder (processing.*, step_*.*, '
                        'facts.json; ../weights, ../sequence next to it)')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch\'s)')
    parser.add_argument('--json', default=None,
                        help='write the table to this JSON file')
    parser.add_argument(
        '--mkldnn', action='store_true',
        help='run the steps with oneDNN (mkldnn) CPU kernels; by default '
        'they run with torch\'s native kernels (see stark_plugin.testing.'
        'training_parity.check)')
    parser.add_argument('--st1-config', default=DEFAULT_CONFIGS['st1'])
    parser.add_argument('--st2-config', default=DEFAULT_CONFIGS['st2'])
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    return check_training_parity(
        args.fixture, st1_config=args.st1_config,
        st2_config=args.st2_config, threads=args.threads,
        json_path=args.json, mkldnn=args.mkldnn)


if __name__ == '__main__':
    sys.exit(main())
