"""Row-wise IoU of xywh boxes."""
import numpy as np

from stark_plugin.structures.bbox import box_iou_xywh


def test_box_iou_xywh_rows():
    a = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10],
                  [5, 5, 0, 0]], dtype=np.float32)
    b = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [20, 20, 4, 4],
                  [5, 5, 0, 0]])
    iou = box_iou_xywh(a, b)
    assert iou.dtype == np.float64
    np.testing.assert_allclose(iou, [1.0, 50 / 150, 0.0, 0.0])
