import numpy as np
import pytest

from stark_plugin.errors import AnnotationError
from stark_plugin.fileio.annotations import (read_boxes, read_flag_line,
                                             read_label_column)
from stark_plugin.fileio.frames import list_frames as list_images
from test_datasets.sot_data_helpers import write_text


@pytest.mark.parametrize('sep', [',', '\t', ' ', ', '])
def test_read_boxes_separators(tmp_path, sep):
    path = write_text(str(tmp_path / 'gt.txt'),
                      [sep.join(['1', '2.5', '3', '4']), sep.join('5678')])
    boxes = read_boxes(path)
    assert boxes.dtype == np.float64
    np.testing.assert_array_equal(boxes, [[1, 2.5, 3, 4], [5, 6, 7, 8]])


def test_read_boxes_crlf_and_nan(tmp_path):
    path = tmp_path / 'gt.txt'
    path.write_bytes(b' 1.00,2,3,4\r\nnan,nan,nan,nan\r\n')
    boxes = read_boxes(str(path))
    assert boxes.shape == (2, 4) and np.isnan(boxes[1]).all()


def test_read_boxes_non_numeric_names_file_and_line(tmp_path):
    path = write_text(str(tmp_path / 'gt.txt'), ['1,2,3,4', '1,2,x,4'])
    with pytest.raises(AnnotationError,
                       match=r"gt\.txt:2: expected 4 numbers x,y,w,h, "
                       r"got '1,2,x,4' \(a non-numeric"):
        read_boxes(path)


def test_read_boxes_wrong_columns_names_line(tmp_path):
    path = write_text(str(tmp_path / 'gt.txt'), ['1,2,3,4', '1,2,3',
                                                 '1,2,3,4'])
    with pytest.raises(AnnotationError, match=r'gt\.txt:2: expected 4'):
        read_boxes(path)


def test_read_boxes_short_file(tmp_path):
    path = write_text(str(tmp_path / 'gt.txt'), ['1,2,3,4'] * 3)
    with pytest.raises(AnnotationError, match=r'gt\.txt:4: .*too short'):
        read_boxes(path, min_rows=5)
    with pytest.raises(AnnotationError, match=r'gt\.txt:3: .*more than'):
        read_boxes(path, max_rows=2)


def test_read_boxes_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        read_boxes(str(tmp_path / 'nope.txt'))


def test_read_label_column(tmp_path):
    path = write_text(str(tmp_path / 'cover.label'), ['0', '8', '3'])
    np.testing.assert_array_equal(read_label_column(path, 3), [0, 8, 3])
    with pytest.raises(AnnotationError, match=r'cover\.label:4: 3 labels'):
        read_label_column(path, 4)
    bad = write_text(str(tmp_path / 'absence.label'), ['0', 'a'])
    with pytest.raises(AnnotationError, match=r'absence\.label:2'):
        read_label_column(bad)
    out = write_text(str(tmp_path / 'abs2.label'), ['0', '2'])
    with pytest.raises(AnnotationError, match=r'abs2\.label:2: value 2'):
        read_label_column(out, allowed=(0, 1))


def test_read_flag_line(tmp_path):
    path = write_text(str(tmp_path / 'full_occlusion.txt'), ['0,1,0,0'])
    np.testing.assert_array_equal(read_flag_line(path, 4),
                                  [False, True, False, False])
    with pytest.raises(AnnotationError, match='full_occlusion.txt:1'):
        read_flag_line(path, 5)
    bad = write_text(str(tmp_path / 'out_of_view.txt'), ['0,1', '0,y'])
    with pytest.raises(AnnotationError, match=r'out_of_view\.txt:2'):
        read_flag_line(bad)


def test_list_images_numeric_order(tmp_path):
    for name in ['10.jpg', '2.jpg', '1.jpg', 'notes.txt']:
        (tmp_path / name).write_bytes(b'')
    assert list_images(str(tmp_path)) == ['1.jpg', '2.jpg', '10.jpg']


def test_meta_info_ini_and_resolution(tmp_path):
    from stark_plugin.fileio import parse_resolution, read_ini
    path = tmp_path / 'meta_info.ini'
    path.write_bytes(b'[METAINFO]\r\nurl: https://x.y/watch?v=a:b\r\n'
                     b'resolution: (1280, 720)\r\nanno_fps = 10Hz\r\n'
                     b'resolution: (1, 1)\r\n')
    info = read_ini(str(path))
    assert info == {'url': 'https://x.y/watch?v=a:b',
                    'resolution': '(1280, 720)', 'anno_fps': '10Hz'}
    assert parse_resolution(info['resolution']) == (1280, 720)
    assert all(isinstance(v, int) for v in parse_resolution('(1280, 720)'))
    assert parse_resolution('640,480') == (640, 480)
    assert parse_resolution(' (640.5, 480) ') == (640.5, 480)
    for bad in (None, '', '(1280 x 720)', '(1280,)', 'abc'):
        assert parse_resolution(bad) is None
    with pytest.raises(FileNotFoundError, match='meta file not found'):
        read_ini(str(tmp_path / 'nope.ini'))
