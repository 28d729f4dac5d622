import logging
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.logging import MMLogger

from stark_plugin.datasets import AnnotationError, GOT10kDataset
from stark_plugin.datasets.got10k_dataset import SPLIT_DIR
from .sot_data_helpers import box_lines, write_images, write_text


def _got_seq(root, split, name, n, absence=None, cover=None, gt=None,
             images=True):
    seq = osp.join(root, split, name)
    write_text(osp.join(seq, 'groundtruth.txt'), gt or box_lines(n))
    write_text(osp.join(seq, 'absence.label'),
               [str(v) for v in (absence or [0] * n)])
    write_text(osp.join(seq, 'cover.label'),
               [str(v) for v in (cover or [8] * n)])
    write_text(osp.join(seq, 'cut_by_image.label'), ['0'] * n)
    write_text(osp.join(seq, 'meta_info.ini'),
               ['[METAINFO]', 'object_class: cat', 'resolution: (64, 48)'])
    if images:
        write_images(seq, [f'{i + 1:08d}.jpg' for i in range(n)])
    return seq


def test_contract_on_synthetic(synth_root):
    ds = GOT10kDataset(data_root=synth_root, split='train')
    assert ds.num_videos == 4 and len(ds) == 4
    assert ds.video_names == [f'GOT-10k_Train_{i:06d}' for i in range(1, 5)]
    video = ds.get_video(1)
    assert set(video) == {'video_name', 'img_paths', 'gt_bboxes', 'visible',
                          'dataset_name', 'metainfo'}
    assert video['gt_bboxes'].dtype == np.float64
    assert video['gt_bboxes'].shape == (24, 4) == (len(video['img_paths']), 4)
    assert video['visible'].dtype == bool
    assert video['img_paths'][0].endswith('GOT-10k_Train_000002/00000001.jpg')
    assert video['metainfo']['benchmark'] == 'got10k'
    assert video['dataset_name'] == 'got10k'
    assert video['metainfo']['resolution'] == (160, 120)
    # synthetic video 0 has absent frames, which must be invisible
    v0 = ds.get_video(0)
    absent = v0['metainfo']['absence']
    assert absent.any() and not v0['visible'][absent].any()


def test_visibility_rule(tmp_path):
    root = str(tmp_path)
    gt = box_lines(5)
    gt[3] = '-1,-1,-1,-1'
    _got_seq(root, 'train', 'S1', 5, absence=[0, 1, 0, 0, 0],
             cover=[8, 0, 0, 8, 3], gt=gt, images=False)
    write_text(osp.join(root, 'train', 'list.txt'), ['S1'])
    ds = GOT10kDataset(data_root=root, split='train', check_images=False)
    np.testing.assert_array_equal(ds.get_video(0)['visible'],
                                  [True, False, False, False, True])


def test_vot_train_split_file(tmp_path):
    root = str(tmp_path)
    for name in ['A', 'B', 'C']:
        _got_seq(root, 'train', name, 3, images=False)
    write_text(osp.join(root, 'train', 'list.txt'), ['A', 'B', 'C'])
    index = write_text(str(tmp_path / 'idx.txt'), ['2', '0'])
    ds = GOT10kDataset(data_root=root, split='vot_train', split_file=index,
                       check_images=False)
    assert ds.video_names == ['C', 'A']
    bad = write_text(str(tmp_path / 'bad.txt'), ['0', '7'])
    with pytest.raises(ValueError, match=r'bad\.txt:2'):
        GOT10kDataset(data_root=root, split='vot_train', split_file=bad)
    with pytest.raises(FileNotFoundError, match='vot_val'):
        GOT10kDataset(data_root=root, split='vot_val')


def test_shipped_vot_train_list():
    with open(osp.join(SPLIT_DIR, 'got10k_vot_train_split.txt')) as f:
        ids = [int(v) for v in f.read().split()]
    assert len(ids) == len(set(ids)) == 7086
    assert 0 <= min(ids) and max(ids) < 9335


def test_test_split_first_frame_only(tmp_path):
    root = str(tmp_path)
    seq = osp.join(root, 'test', 'T1')
    write_text(osp.join(seq, 'groundtruth.txt'), ['1,2,3,4'])
    write_images(seq, [f'{i + 1:08d}.jpg' for i in range(6)])
    write_text(osp.join(root, 'test', 'list.txt'), ['T1'])
    ds = GOT10kDataset(data_root=root, split='test', test_mode=True)
    video = ds.get_video(0)
    assert video['visible'] is None and len(video['img_paths']) == 6
    np.testing.assert_array_equal(video['gt_bboxes'][0], [1, 2, 3, 4])
    assert np.isnan(video['gt_bboxes'][1:]).all()
    # test mode: one item per frame
    assert len(ds) == 6
    info = ds.get_data_info(3)
    assert info['frame_id'] == 3 and info['video_name'] == 'T1'
    np.testing.assert_array_equal(info['init_bbox'], [1, 2, 3, 4])


def test_malformed_inputs_name_file_and_line(tmp_path):
    root = str(tmp_path)
    _got_seq(root, 'train', 'S1', 4, images=False)
    write_text(osp.join(root, 'train', 'list.txt'), ['S1'])
    write_text(osp.join(root, 'train', 'S1', 'cover.label'),
               ['8', '8', 'x', '8'])
    with pytest.raises(AnnotationError, match=r'S1.cover\.label:3'):
        GOT10kDataset(data_root=root, split='train')
    write_text(osp.join(root, 'train', 'S1', 'cover.label'), ['8'] * 3)
    with pytest.raises(AnnotationError, match=r'S1.cover\.label:4'):
        GOT10kDataset(data_root=root, split='train')
    write_text(osp.join(root, 'train', 'S1', 'cover.label'), ['8'] * 4)
    write_text(osp.join(root, 'train', 'S1', 'groundtruth.txt'),
               ['1,2,3,4', '1,2,3,4', '1;2;3', '1,2,3,4'])
    with pytest.raises(AnnotationError, match=r'groundtruth\.txt:3'):
        GOT10kDataset(data_root=root, split='train', test_mode=True)


def test_training_tolerates_bad_box_lines(tmp_path):
    """A malformed, empty, NaN or negative box inside a training sequence
    makes that frame unannotated (named once in the log); the run goes on.
    """
    root = str(tmp_path)
    _got_seq(root, 'train', 'S1', 5, images=False)
    write_text(osp.join(root, 'train', 'list.txt'), ['S1'])
    write_text(osp.join(root, 'train', 'S1', 'groundtruth.txt'),
               ['1,2,3,4', '1;2;3', '', 'nan,nan,nan,nan', '1,2,-3,4'])
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # another test may have raised it
    logger.addHandler(handler)
    try:
        ds = GOT10kDataset(data_root=root, split='train',
                           check_images=False)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    video = ds.get_video(0)
    assert np.isnan(video['gt_bboxes'][1:4]).all()
    assert video['visible'].tolist() == [True, False, False, False, False]
    log = '\n'.join(records)
    assert 'groundtruth.txt: 2 malformed annotation line(s)' in log
    assert "2: '1;2;3'" in log and "3: ''" in log


def test_missing_image_is_named(tmp_path):
    root = str(tmp_path)
    seq = _got_seq(root, 'val', 'V1', 3)
    write_text(osp.join(root, 'val', 'list.txt'), ['V1'])
    os.remove(osp.join(seq, '00000002.jpg'))
    ds = GOT10kDataset(data_root=root, split='val')
    with pytest.raises(FileNotFoundError, match=r'V1.00000002\.jpg'):
        ds.get_video(0)


def test_index_cache(tmp_path, synth_root):
    cache = str(tmp_path / 'cache')
    a = GOT10kDataset(data_root=synth_root, split='val', cache_dir=cache)
    assert len(os.listdir(cache)) == 1
    b = GOT10kDataset(data_root=synth_root, split='val', cache_dir=cache)
    np.testing.assert_array_equal(a.get_video(1)['gt_bboxes'],
                                  b.get_video(1)['gt_bboxes'])
