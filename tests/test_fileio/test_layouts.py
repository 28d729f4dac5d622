"""Benchmark sequence folders: one reader for the datasets and the
offline evaluation, so that a file that passes one passes both."""
import numpy as np
import pytest

from stark_plugin.datasets import GOT10kDataset
from stark_plugin.datasets.synthetic import make_synthetic_got10k
from stark_plugin.errors import AnnotationError
from stark_plugin.evaluation.benchmarks import load_benchmark
from stark_plugin.fileio import (lasot_sequence_dir, read_got10k_labels,
                                 read_got10k_meta, read_lasot_flags)


def test_lasot_sequence_folder_and_flags(tmp_path):
    assert lasot_sequence_dir('/d', 'airplane-13') == '/d/airplane/airplane-13'
    assert lasot_sequence_dir('/d', 'monster-truck-2').endswith(
        'monster-truck/monster-truck-2')
    (tmp_path / 'full_occlusion.txt').write_text('0,1,0\n')
    (tmp_path / 'out_of_view.txt').write_text('0,0,1\n')
    occlusion, out_of_view = read_lasot_flags(str(tmp_path), 3)
    np.testing.assert_array_equal(occlusion, [False, True, False])
    np.testing.assert_array_equal(out_of_view, [False, False, True])
    with pytest.raises(AnnotationError,
                       match='full_occlusion.txt:1: 3 flags, expected 4'):
        read_lasot_flags(str(tmp_path), 4)


def test_got10k_labels_are_checked_where_they_are_read(tmp_path):
    (tmp_path / 'absence.label').write_text('0\n1\n')
    (tmp_path / 'cover.label').write_text('8\n0\n')
    labels = read_got10k_labels(str(tmp_path), 2)
    assert set(labels) == {'absence', 'cover'}  # no cut_by_image file
    np.testing.assert_array_equal(labels['cover'], [8, 0])
    (tmp_path / 'cover.label').write_text('8\n9\n')
    with pytest.raises(AnnotationError, match=r'cover.label:2: value 9'):
        read_got10k_labels(str(tmp_path), 2)
    (tmp_path / 'cover.label').unlink()
    with pytest.raises(FileNotFoundError, match='cover.label'):
        read_got10k_labels(str(tmp_path), 2)
    assert set(read_got10k_labels(str(tmp_path), 2, required=())) == {
        'absence'}
    assert read_got10k_meta(str(tmp_path)) == ({}, None)


def test_dataset_and_evaluation_read_the_same_got10k_sequence(tmp_path):
    root = str(tmp_path)
    make_synthetic_got10k(root, num_videos=1, num_frames=6, seed=0,
                          num_val_videos=2, size=(64, 48))
    evaluated = load_benchmark('got10k', root, 'val')
    dataset = GOT10kDataset(data_root=root, split='val', test_mode=True,
                            lazy_init=False, serialize_data=False)
    assert len(evaluated) == len(dataset.data_list) == 2
    for seq, video in zip(evaluated, sorted(dataset.data_list,
                                            key=lambda v: v['video_name'])):
        assert seq.name == video['video_name']
        np.testing.assert_array_equal(seq.absent, video['meta']['absence'])
        np.testing.assert_array_equal(seq.cover, video['meta']['cover'])
        assert seq.image_size == video['meta']['resolution'] == (64, 48)
