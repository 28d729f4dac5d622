import json
import os.path as osp

import numpy as np
import pytest

from stark_plugin.datasets import (AnnotationError, LaSOTDataset,
                                   OTB100Dataset, SOTCocoDataset,
                                   SOTFolderDataset, TrackingNetDataset,
                                   UAV123Dataset)
from stark_plugin.datasets.lasot_dataset import SPLIT_DIR
from .sot_data_helpers import box_lines, write_images, write_text


def _lasot(root, name, n, occ=None, oov=None):
    seq = osp.join(root, name.rsplit('-', 1)[0], name)
    write_text(osp.join(seq, 'groundtruth.txt'), box_lines(n))
    write_text(osp.join(seq, 'full_occlusion.txt'),
               [','.join(str(v) for v in (occ or [0] * n))])
    write_text(osp.join(seq, 'out_of_view.txt'),
               [','.join(str(v) for v in (oov or [0] * n))])
    return seq


def test_lasot(tmp_path):
    root = str(tmp_path)
    _lasot(root, 'cat-1', 4, occ=[0, 1, 0, 0], oov=[0, 0, 1, 0])
    _lasot(root, 'cat-2', 3)
    write_text(osp.join(root, 'testing_set.txt'), ['cat-1'])
    ds = LaSOTDataset(data_root=root, split='test', check_images=False)
    assert ds.video_names == ['cat-1']
    video = ds.get_video(0)
    np.testing.assert_array_equal(video['visible'], [1, 0, 0, 1])
    assert video['img_paths'][1].endswith(osp.join('cat-1', 'img',
                                                   '00000002.jpg'))
    assert video['metainfo']['benchmark'] == 'lasot'
    split = write_text(str(tmp_path / 'mine.txt'), ['cat-2'])
    ds = LaSOTDataset(data_root=root, split='train', split_file=split,
                      check_images=False)
    assert ds.video_names == ['cat-2']
    _lasot(root, 'cat-3', 3, occ=[0, 0])
    split = write_text(str(tmp_path / 'bad.txt'), ['cat-3'])
    with pytest.raises(AnnotationError, match='full_occlusion.txt:1'):
        LaSOTDataset(data_root=root, split='train', split_file=split)


def test_lasot_shipped_lists():
    with open(osp.join(SPLIT_DIR, 'lasot_test.txt')) as f:
        test = f.read().split()
    with open(osp.join(SPLIT_DIR, 'lasot_train.txt')) as f:
        train = f.read().split()
    assert len(test) == 280 and len(train) == 1120
    assert not set(test) & set(train)
    assert {n.rsplit('-', 1)[0] for n in test} == \
        {n.rsplit('-', 1)[0] for n in train}


def test_trackingnet(tmp_path):
    root = str(tmp_path)
    write_text(osp.join(root, 'TRAIN_0', 'anno', 'vid_a.txt'),
               box_lines(3) + ['0,0,0,0'])
    write_text(osp.join(root, 'TEST', 'anno', '-vid_t.txt'), ['5,5,9,9'])
    write_images(osp.join(root, 'TEST', 'frames', '-vid_t'),
                 [f'{i}.jpg' for i in range(5)])
    ds = TrackingNetDataset(data_root=root, split='TRAIN_0',
                            check_images=False)
    video = ds.get_video(0)
    assert video['video_name'] == 'vid_a'
    assert video['img_paths'][3].endswith(osp.join('frames', 'vid_a',
                                                   '3.jpg'))
    np.testing.assert_array_equal(video['visible'], [1, 1, 1, 0])
    test = TrackingNetDataset(data_root=root, split='test', test_mode=True)
    video = test.get_video(0)
    assert len(video['img_paths']) == 5 and len(test) == 5
    assert np.isnan(video['gt_bboxes'][1:]).all()
    assert video['metainfo']['benchmark'] == 'trackingnet'
    with pytest.raises(FileNotFoundError, match='TRAIN_5'):
        TrackingNetDataset(data_root=root, split='TRAIN_5')


def test_coco(tmp_path):
    root = str(tmp_path)
    coco = dict(
        images=[dict(id=1, file_name='a.jpg'), dict(id=2, file_name='b.jpg')],
        categories=[dict(id=3, name='dog')],
        annotations=[
            dict(id=10, image_id=1, bbox=[1, 2, 60, 70], iscrowd=0,
                 category_id=3),
            dict(id=11, image_id=1, bbox=[1, 2, 60, 70], iscrowd=1,
                 category_id=3),
            dict(id=12, image_id=2, bbox=[0, 0, 50, 80], iscrowd=0,
                 category_id=3),
        ])
    write_text(osp.join(root, 'annotations', 'instances_train2017.json'),
               [json.dumps(coco)])
    # official default: crowd skipped, small boxes kept (flagged invisible)
    keep = SOTCocoDataset(data_root=root, split='train', check_images=False)
    assert keep.video_names == ['coco_10', 'coco_12']
    assert keep.get_video(1)['visible'].tolist() == [False]
    video = keep.get_video(0)
    assert video['img_paths'] == [osp.join(root, 'train2017', 'a.jpg')]
    assert video['metainfo']['benchmark'] == 'coco'
    ds = SOTCocoDataset(data_root=root, split='train', skip_small=True,
                        check_images=False)
    assert ds.video_names == ['coco_10']  # crowd and <=50 px skipped
    coco['annotations'][0]['bbox'] = [1, 2]
    write_text(osp.join(root, 'annotations', 'instances_train2017.json'),
               [json.dumps(coco)])
    with pytest.raises(ValueError, match=r'instances_train2017\.json: '
                       r'annotation #0'):
        SOTCocoDataset(data_root=root, split='train')


def test_otb100_table(tmp_path):
    root = str(tmp_path)
    write_text(osp.join(root, 'Deer', 'groundtruth_rect.txt'),
               box_lines(71, sep='\t'))
    write_text(osp.join(root, 'Tiger1', 'groundtruth_rect.txt'),
               box_lines(354, sep=' '))
    write_text(osp.join(root, 'Board', 'groundtruth_rect.txt'),
               box_lines(698))
    ds = OTB100Dataset(data_root=root, sequences=['Deer', 'Tiger1', 'Board'],
                       check_images=False, test_mode=True)
    deer, tiger, board = (ds.get_video(i) for i in range(3))
    assert len(deer['img_paths']) == 71
    assert deer['img_paths'][-1].endswith(osp.join('Deer', 'img',
                                                   '0071.jpg'))
    # Tiger1: the first 5 frames are omitted (official initOmit)
    assert len(tiger['img_paths']) == 349
    assert tiger['img_paths'][0].endswith('0006.jpg')
    assert tiger['gt_bboxes'][0, 0] == 10 + 5
    assert board['img_paths'][0].endswith('00001.jpg')
    assert deer['metainfo']['benchmark'] == 'otb100'
    assert len(ds) == 71 + 349 + 698
    write_text(osp.join(root, 'Deer', 'groundtruth_rect.txt'),
               box_lines(70))
    with pytest.raises(AnnotationError, match=r'groundtruth_rect\.txt:71'):
        OTB100Dataset(data_root=root, sequences=['Deer'])


def test_otb100_folder_mode(tmp_path):
    root = str(tmp_path)
    write_text(osp.join(root, 'Foo', 'groundtruth_rect.txt'), box_lines(3))
    ds = OTB100Dataset(data_root=root, use_table=False, check_images=False)
    assert ds.video_names == ['Foo'] and ds.get_video(0)['img_paths'][
        2].endswith('0003.jpg')


def test_uav123(tmp_path):
    root = str(tmp_path)
    write_text(osp.join(root, 'anno', 'UAV123', 'bird1_2.txt'),
               box_lines(702) + ['NaN,NaN,NaN,NaN'])
    ds = UAV123Dataset(data_root=root, sequences=['bird1_2'],
                       check_images=False)
    video = ds.get_video(0)
    assert len(video['img_paths']) == 1477 - 775 + 1
    assert video['img_paths'][0].endswith(
        osp.join('data_seq', 'UAV123', 'bird1', '000775.jpg'))
    assert np.isnan(video['gt_bboxes'][-1]).all()
    write_text(osp.join(root, 'anno', 'UAV123', 'bird1_2.txt'),
               box_lines(700))
    with pytest.raises(AnnotationError, match=r'bird1_2\.txt:701'):
        UAV123Dataset(data_root=root, sequences=['bird1_2'])


def test_uav123_table_has_123_sequences():
    from stark_plugin.datasets.uav123_dataset import read_uav_table
    rows = read_uav_table(osp.join(SPLIT_DIR, 'uav123.txt'))
    assert len(rows) == 123 and len({r['name'] for r in rows}) == 123


@pytest.mark.parametrize('sep', [',', '\t', ' '])
def test_folder_dataset(tmp_path, sep):
    root = str(tmp_path)
    write_images(osp.join(root, 'seqA', 'img'),
                 [f'{i:04d}.png' for i in range(1, 5)])
    write_text(osp.join(root, 'seqA', 'groundtruth.txt'),
               box_lines(4, sep=sep))
    write_text(osp.join(root, 'seqA', 'absence.label'), ['0', '0', '1', '0'])
    write_images(osp.join(root, 'seqB'), ['1.jpg', '2.jpg', '10.jpg'])
    write_text(osp.join(root, 'seqB', 'groundtruth.txt'), box_lines(3))
    write_text(osp.join(root, 'seqB', 'out_of_view.txt'), ['0,1,0'])
    ds = SOTFolderDataset(data_root=root, dataset_name='mine')
    assert ds.video_names == ['seqA', 'seqB']
    a, b = ds.get_video(0), ds.get_video(1)
    np.testing.assert_array_equal(a['visible'], [1, 1, 0, 1])
    np.testing.assert_array_equal(b['visible'], [1, 0, 1])
    assert b['img_paths'][2].endswith('10.jpg')
    assert a['dataset_name'] == 'mine'
    assert a['metainfo']['benchmark'] == 'custom'


def test_folder_dataset_errors(tmp_path):
    root = str(tmp_path)
    write_images(osp.join(root, 's'), ['1.jpg', '2.jpg', '3.jpg'])
    write_text(osp.join(root, 's', 'groundtruth.txt'), box_lines(2))
    with pytest.raises(AnnotationError, match=r'groundtruth\.txt:3: .*short'):
        SOTFolderDataset(data_root=root)
    ds = SOTFolderDataset(data_root=root, first_frame_only=True)
    assert np.isnan(ds.get_video(0)['gt_bboxes'][2]).all()
    write_text(osp.join(root, 's', 'groundtruth.txt'),
               ['1,2,3,4', '1,2,3,4', 'a,b,c,d'])
    with pytest.raises(AnnotationError, match=r'groundtruth\.txt:3'):
        SOTFolderDataset(data_root=root, test_mode=True)
    # training: the bad line is an unannotated frame (logged), not a stop
    train = SOTFolderDataset(data_root=root)
    assert np.isnan(train.get_video(0)['gt_bboxes'][2]).all()
