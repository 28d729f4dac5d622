import hashlib
import os
import os.path as osp
import runpy
import sys

import numpy as np
import pytest

from stark_plugin.datasets import GOT10kDataset
from stark_plugin.datasets.synthetic import make_synthetic_got10k

TOOL = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'misc',
                'make_synthetic_sot.py')


def _digest(root):
    h = hashlib.md5()
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            with open(osp.join(dirpath, name), 'rb') as f:
                h.update(name.encode() + f.read())
    return h.hexdigest()


def test_layout_and_labels(synth_root):
    for split, n in (('train', 4), ('val', 2)):
        with open(osp.join(synth_root, split, 'list.txt')) as f:
            names = f.read().split()
        assert len(names) == n
        seq = osp.join(synth_root, split, names[0])
        for fname in ('groundtruth.txt', 'absence.label', 'cover.label',
                      'cut_by_image.label', 'meta_info.ini', '00000001.jpg',
                      '00000024.jpg'):
            assert osp.isfile(osp.join(seq, fname)), fname
    ds = GOT10kDataset(data_root=synth_root, split='train')
    absent_total = 0
    for i in range(ds.num_videos):
        v = ds.get_video(i)
        absence, cover = v['metainfo']['absence'], v['metainfo']['cover']
        assert ((cover >= 0) & (cover <= 8)).all()
        assert (cover[absence] == 0).all()
        assert (v['gt_bboxes'][absence] == -1).all()
        present = v['gt_bboxes'][~absence]
        assert (present[:, 2:] > 0).all()
        absent_total += absence.sum()
        # the target moves and changes size/aspect
        assert np.ptp(present[:, 0]) > 2
        assert np.ptp(present[:, 2] / present[:, 3]) > 0.01
        assert (cover[~absence] < 8).any()  # partial occlusion happens
    assert absent_total > 0


def test_deterministic(tmp_path):
    a, b, c = (str(tmp_path / k) for k in 'abc')
    make_synthetic_got10k(a, 2, 6, seed=7, num_val_videos=1, size=(64, 48))
    make_synthetic_got10k(b, 2, 6, seed=7, num_val_videos=1, size=(64, 48))
    make_synthetic_got10k(c, 2, 6, seed=8, num_val_videos=1, size=(64, 48))
    assert _digest(a) == _digest(b) != _digest(c)


def test_tool_cli(tmp_path, capsys, monkeypatch):
    out = str(tmp_path / 'out')
    monkeypatch.setattr(sys, 'argv', [
        TOOL, '--out', out, '--videos', '2', '--frames', '5', '--seed', '1',
        '--val-videos', '1', '--size', '64', '48'
    ])
    try:
        runpy.run_path(TOOL, run_name='__main__')
    except SystemExit as e:
        assert e.code == 0
    text = capsys.readouterr().out
    assert 'train 2/2' in text and 'wrote 2 train and 1 val' in text
    assert len(os.listdir(osp.join(out, 'train'))) == 3  # 2 + list.txt


def test_val_frames(tmp_path):
    out = str(tmp_path / 'v')
    make_synthetic_got10k(out, 1, 6, seed=3, num_val_videos=1, size=(64, 48),
                          num_val_frames=9)

    def count(split):
        seq = osp.join(out, split, sorted(os.listdir(
            osp.join(out, split)))[0])
        with open(osp.join(seq, 'groundtruth.txt')) as f:
            rows = f.read().split()
        jpgs = [n for n in os.listdir(seq) if n.endswith('.jpg')]
        assert len(rows) == len(jpgs)
        return len(rows)

    assert (count('train'), count('val')) == (6, 9)
    with pytest.raises(ValueError, match='val frames must be at least 2'):
        make_synthetic_got10k(out, 1, 6, num_val_frames=1)
