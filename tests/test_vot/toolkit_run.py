"""The toolkit run kept in ``tests/data/vot_toolkit`` (see its README) and
the completeness check shared by the tests."""
import os.path as osp

import numpy as np
import yaml

from stark_plugin.fileio.vot import read_anchor_runs, read_dataset, read_runs

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data',
                'vot_toolkit')


def check_complete(results: str) -> None:
    """Every experiment of the stack has its trajectories for every
    sequence, of the sequence's length (multistart: from each anchor)."""
    with open(osp.join(DATA, 'stack.yaml')) as f:
        experiments = yaml.safe_load(f)['experiments']
    sequences = read_dataset(osp.join(DATA, 'sequences'))
    for name, spec in experiments.items():
        folder = osp.join(results, name)
        for seq in sequences:
            if spec['type'] == 'multistart':
                anchors = np.flatnonzero(seq.values['anchor'] > 0)
                runs = read_anchor_runs(folder, seq.name, anchors)
                assert sorted(runs) == anchors.tolist()
                assert all(len(r) == seq.length - a for a, r in
                           runs.items())
            else:
                runs = read_runs(folder, seq.name)
                assert len(runs) == spec['repetitions']
                assert all(len(r) == seq.length for r in runs)
