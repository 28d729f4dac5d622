"""VOTDataset on generated VOT-layout sequences: the layouts it reads,
regions as boxes, image size, anchors, and errors on bad input."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from stark_plugin.datasets import VOTDataset
from stark_plugin.datasets.synthetic_vot import (REGION_KINDS, box_region,
                                                 make_synthetic_vot)
from stark_plugin.fileio import vot as vot_io

SIZE = (64, 48)
LENGTHS = (6, 7, 9)


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('vot') / 'sequences')
    names = make_synthetic_vot(root, len(LENGTHS), LENGTHS, seed=1,
                               size=SIZE)
    return root, names


def _dataset(root, **kwargs):
    return VOTDataset(data_root=root, test_mode=True, pipeline=[], **kwargs)


def test_videos_as_written(data):
    root, names = data
    ds = _dataset(root)
    assert ds.video_names == names and ds.num_videos == len(LENGTHS)
    assert len(ds) == sum(LENGTHS)  # test mode: one item per frame
    kinds = []
    for i, name in enumerate(names):
        video = ds.get_video(i)
        seq = vot_io.read_sequence(osp.join(root, name))
        assert video['video_index'] == i
        assert len(video['img_paths']) == seq.length == LENGTHS[i]
        assert all(osp.isfile(p) for p in video['img_paths'])
        assert video['image_size'] == SIZE
        np.testing.assert_array_equal(video['anchors'],
                                      seq.values['anchor'])
        assert set(video['tags']) == {'occlusion'}
        np.testing.assert_allclose(
            video['gt_bboxes'],
            np.stack([vot_io.region_box(r) for r in seq.groundtruth]))
        assert video['visible'].all()
        kinds.append(type(video['groundtruth'][0]).__name__)
    # rectangles, polygons and masks: one sequence each
    assert kinds == ['ndarray', 'ndarray', 'VOTMask']
    assert video['groundtruth'][0].mask.any()


def test_polygon_and_mask_regions_become_their_boxes():
    box = np.array([10.0, 8.0, 20.0, 12.0])
    poly = box_region(box, 'polygon', SIZE)
    lo, hi = poly.min(0), poly.max(0)
    np.testing.assert_allclose(vot_io.region_box(poly),
                               [lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]])
    assert vot_io.region_box(poly)[2] > box[2]  # turned: wider extent
    np.testing.assert_array_equal(
        vot_io.region_box(box_region(box, 'mask', SIZE)), box)
    with pytest.raises(ValueError, match='region kind'):
        box_region(box, 'ellipse', SIZE)
    assert REGION_KINDS == ('rectangle', 'polygon', 'mask')


def test_workspace_and_mmtracking_layouts(data, tmp_path):
    """A toolkit workspace (sequences/), mmtracking's data/ layout without
    `sequence` files (size from the first frame) and its infos file."""
    root, names = data
    ref = [v['gt_bboxes'] for v in map(_dataset(root).get_video,
                                       range(len(names)))]
    shutil.copytree(root, tmp_path / 'ws' / 'sequences')
    mm = tmp_path / 'vot2018'
    shutil.copytree(root, mm / 'data')
    for name in names:
        os.remove(mm / 'data' / name / 'sequence')
    infos = mm / 'annotations' / 'vot2018_infos.txt'
    infos.parent.mkdir()
    lines = [f'data/{n}/color,data/{n}/groundtruth.txt,1,{k}'
             for n, k in zip(names, LENGTHS)]
    infos.write_text('The format of each line in this txt is (video_path,'
                     'annotation_path,start_frame_id,end_frame_id)\n'
                     + '\n'.join(lines) + '\n')
    for ds in (_dataset(str(tmp_path / 'ws')), _dataset(str(mm)),
               _dataset(str(mm), ann_file='annotations/vot2018_infos.txt')):
        assert ds.video_names == names
        for i in range(len(names)):
            video = ds.get_video(i)
            assert video['image_size'] == SIZE
            np.testing.assert_array_equal(video['gt_bboxes'], ref[i])


def _copy(data, tmp_path):
    root, names = data
    dst = tmp_path / 'seqs'
    shutil.copytree(root, dst)
    return dst, names


def test_malformed_sequence_file_names_file_and_line(data, tmp_path):
    dst, names = _copy(data, tmp_path)
    meta = dst / names[0] / 'sequence'
    bad_line = len(meta.read_text().splitlines()) + 1
    meta.write_text(meta.read_text() + 'this is not key value\n')
    with pytest.raises(ValueError, match=f'{meta}:{bad_line}'):
        _dataset(str(dst)).get_video(0)
    meta.write_text('width=wide\n')
    with pytest.raises(ValueError, match='width=.wide. is not an integer'):
        _dataset(str(dst)).get_video(0)


def test_missing_frames_and_long_ground_truth(data, tmp_path):
    dst, names = _copy(data, tmp_path)
    missing = dst / names[1] / 'color' / '00000003.jpg'
    os.remove(missing)
    ds = _dataset(str(dst))
    ds.get_video(0)
    with pytest.raises(FileNotFoundError, match='00000003.jpg'):
        ds.get_video(1)
    gt = dst / names[2] / 'groundtruth.txt'
    gt.write_text(gt.read_text() + '1,2,3,4\n')
    n = LENGTHS[2]
    with pytest.raises(ValueError, match=f'{n + 1} regions for {n} frames'):
        _dataset(str(dst)).get_video(2)


def test_bad_ground_truth_and_roots(data, tmp_path):
    dst, names = _copy(data, tmp_path)
    gt = dst / names[0] / 'groundtruth.txt'
    lines = gt.read_text().splitlines()
    lines[2] = '1,2,3'
    gt.write_text('\n'.join(lines) + '\n')
    with pytest.raises(ValueError, match=f'{gt}:3: 3 values'):
        _dataset(str(dst)).get_video(0)
    with pytest.raises(FileNotFoundError, match='no VOT list.txt'):
        _dataset(str(tmp_path / 'nothing')).get_video(0)
    infos = tmp_path / 'infos.txt'
    infos.write_text('a,b,c\n')
    with pytest.raises(ValueError, match=f'{infos}:1'):
        _dataset(str(dst), ann_file=str(infos)).get_video(0)
