"""stark_plugin.fileio.vot: .value files, stacks, result folders and the
region -> box rule, on the copied VOT fixture."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from stark_plugin.evaluation.functional.vot import Regions
from stark_plugin.fileio import vot as vot_io
from stark_plugin.fileio import vot as ws

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data',
                'vot_metrics')


def test_values_round_trip_with_missing_frames(tmp_path):
    path = str(tmp_path / 'seq_001_confidence.value')
    ws.write_values(path, [None, 0.5, 1e-7, float('nan'), 2])
    assert open(path).read().splitlines() == ['', '0.5', '1e-07', '', '2.0']
    assert ws.read_values(path) == [None, 0.5, 1e-7, None, 2.0]
    assert os.listdir(tmp_path) == ['seq_001_confidence.value']


def test_bad_value_names_file_and_line(tmp_path):
    path = tmp_path / 'bad.value'
    path.write_text('0.1\n\nabc\n')
    with pytest.raises(ValueError, match=f'{path}:3'):
        ws.read_values(str(path))
    with pytest.raises(FileNotFoundError, match='no such file'):
        ws.read_values(str(tmp_path / 'none.value'))


def test_run_values_must_fit_the_trajectory(tmp_path):
    stem = str(tmp_path / 's_001')
    assert ws.read_run_values(stem, 'time', 3) == [None] * 3
    ws.write_values(stem + '_time.value', [1, 2])
    with pytest.raises(ValueError, match='2 values for a trajectory of 3'):
        ws.read_run_values(stem, 'time', 3)


def test_stack_files(tmp_path):
    stack = ws.read_stack(osp.join(DATA, 'stack.yaml'))
    assert set(stack['experiments']) == {'baseline', 'supervised',
                                         'unsupervised'}
    bad = tmp_path / 'bad.yaml'
    bad.write_text('title: x\n')
    with pytest.raises(ValueError, match='experiments'):
        ws.read_stack(str(bad))
    bad.write_text('experiments: [1\n')
    with pytest.raises(ValueError, match='not a YAML stack'):
        ws.read_stack(str(bad))
    with pytest.raises(FileNotFoundError, match='no such stack'):
        ws.read_stack(str(tmp_path / 'none.yaml'))


def test_experiment_folders_text_and_binary(tmp_path):
    """A copy with every trajectory rewritten in the binary format reads
    back to the same regions (the toolkit reads .txt first if both)."""
    src = osp.join(DATA, 'results', 'trk_mid')
    dst = str(tmp_path / 'trk_mid')
    shutil.copytree(src, dst)
    for root, _, files in os.walk(dst):
        for f in files:
            if f.endswith('.txt'):
                path = osp.join(root, f)
                vot_io.write_trajectory(path[:-4] + '.bin',
                                        vot_io.read_trajectory(path))
                os.remove(path)
    seqs = vot_io.read_dataset(osp.join(DATA, 'sequences'))
    for seq in seqs:
        anchors = np.flatnonzero(seq.values['anchor']).tolist()
        for exp, kind in (('supervised', 'supervised'),
                          ('baseline', 'multistart')):
            text = ws.read_experiment_runs(osp.join(src, exp), seq.name,
                                           kind, anchors)
            binary = ws.read_experiment_runs(osp.join(dst, exp), seq.name,
                                             kind, anchors)
            a, b = text['runs'], binary['runs']
            keys = list(a) if isinstance(a, dict) else range(len(a))
            assert len(a) == len(b) and len(a) > 0
            for k in keys:
                ra, rb = Regions.from_list(a[k]), Regions.from_list(b[k])
                np.testing.assert_array_equal(ra.kinds, rb.kinds)
                np.testing.assert_array_equal(ra.boxes, rb.boxes)
    with pytest.raises(ValueError, match='unknown experiment kind'):
        ws.read_experiment_runs(dst, seqs[0].name, 'realtime')


def test_region_box_is_the_box_the_metrics_use():
    """region_box (what a tracker starts from) agrees with the metric
    layer's box of each region: rectangle, polygon extent, mask pixels."""
    mask = vot_io.parse_region('m3,4,3,2,1,4,1')  # [[0,1,1],[1,1,0]]
    regions = [np.array([1.5, 2, 3, 4], np.float32),
               np.array([[0, 0], [10, 1], [9, 6]], np.float32), mask, 0, 2]
    boxes = np.stack([vot_io.region_box(r) for r in regions])
    np.testing.assert_array_equal(boxes[:3], [[1.5, 2, 3, 4], [0, 0, 10, 6],
                                              [3, 4, 3, 2]])
    assert np.isnan(boxes[3:]).all()
    np.testing.assert_array_equal(
        boxes[:3], Regions.from_list(regions).boxes[:3])
    empty = vot_io.VOTMask(np.zeros((2, 2), np.uint8), (5, 5))
    assert np.isnan(vot_io.region_box(empty)).all()


def test_sequence_list_locations(tmp_path):
    for sub in ('', 'sequences', 'data'):
        root = tmp_path / (sub or 'plain')
        folder = root / sub if sub else root
        folder.mkdir(parents=True)
        (folder / 'list.txt').write_text('a\n')
        assert vot_io.find_sequence_list(str(root)) == str(folder).rstrip(
            '/')
    with pytest.raises(FileNotFoundError, match='no VOT list.txt'):
        vot_io.find_sequence_list(str(tmp_path / 'nothing'))
