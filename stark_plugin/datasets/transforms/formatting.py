"""Pack pipeline results into model inputs and data samples."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform

from stark_plugin.registry import TRANSFORMS
from stark_plugin.structures import SOTDataSample


def _to_chw_uint8(imgs) -> torch.Tensor:
    arr = np.stack([np.asarray(i, dtype=np.uint8) for i in imgs])
    return torch.from_numpy(np.ascontiguousarray(arr.transpose(0, 3, 1, 2)))


@TRANSFORMS.register_module()
class PackSOTInputs(BaseTransform):
    """Pack a STARK training sample (the contract of ``SOTDataSample``).

    Returns ``dict(inputs=dict(template=uint8 (T, 3, Ht, Wt),
    search=uint8 (1, 3, Hs, Ws)), data_samples=SOTDataSample)`` with the
    images in BGR order (the data preprocessor converts to RGB) and data
    fields ``template_masks`` (bool ``(T, Ht, Wt)``), ``search_mask``
    (bool ``(Hs, Ws)``), ``template_bboxes`` (float32 ``(T, 4)``),
    ``search_bbox`` (float32 ``(4,)``) and, when the sample has one,
    ``gt_label`` (float32 ``(1,)``) and ``brightness`` (float64
    ``(T + 1,)``, the factor of each crop, applied by the data
    preprocessor). Meta: ``video_name``,
    ``template_frame_ids``, ``search_frame_id``, ``dataset_name`` and the
    keys in ``meta_keys`` that exist.
    """

    def __init__(self, meta_keys=('sample_idx', 'img_path', 'flip',
                                  'gray', 'search_source')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        imgs = results['img']
        t = results.get('num_templates', len(imgs) - 1)
        boxes = np.asarray(results['crop_bboxes'], dtype=np.float32)
        masks = results['pad_mask']
        sample = SOTDataSample()
        sample.template_masks = torch.from_numpy(
            np.stack(masks[:t]).astype(bool))
        sample.search_mask = torch.from_numpy(np.asarray(masks[t], bool))
        sample.template_bboxes = torch.from_numpy(boxes[:t])
        sample.search_bbox = torch.from_numpy(boxes[t])
        if 'brightness' in results:
            sample.brightness = torch.tensor(results['brightness'][:t + 1],
                                             dtype=torch.float64)
        if 'gt_label' in results:
            sample.gt_label = torch.tensor([float(results['gt_label'])])
        frame_ids = list(results.get('frame_ids', []))
        meta = dict(
            video_name=results.get('video_name'),
            template_frame_ids=frame_ids[:t],
            search_frame_id=frame_ids[t] if len(frame_ids) > t else None,
            dataset_name=results.get('dataset_name'))
        for key in self.meta_keys:
            if key in results:
                meta[key] = results[key]
        sample.set_metainfo(meta)
        inputs = dict(template=_to_chw_uint8(imgs[:t]),
                      search=_to_chw_uint8(imgs[t:t + 1]))
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'


@TRANSFORMS.register_module()
class PackSOTTestInputs(BaseTransform):
    """Pack one test frame: ``dict(inputs=dict(img=uint8 (3, H, W)),
    data_samples=SOTDataSample)``, BGR as loaded.

    Meta: ``video_idx``, ``video_name``, ``frame_id``, ``video_length``,
    ``init_bbox`` (xywh list, frame 0's ground truth), ``img_path``,
    ``ori_shape``, ``dataset_name``, ``benchmark``; data field
    ``gt_bbox`` (float64 ``(4,)``, NaN when unannotated) and, if known,
    ``visible``.
    """

    meta_keys = ('sample_idx', 'video_idx', 'video_name', 'frame_id',
                 'video_length', 'img_path', 'ori_shape', 'img_shape',
                 'dataset_name', 'benchmark')

    def transform(self, results: dict) -> dict:
        img = np.asarray(results['img'], dtype=np.uint8)
        sample = SOTDataSample()
        sample.gt_bbox = torch.as_tensor(
            np.asarray(results['gt_bbox'], dtype=np.float64))
        meta = {k: results[k] for k in self.meta_keys if k in results}
        meta['init_bbox'] = [float(v) for v in results['init_bbox']]
        if results.get('visible') is not None:
            meta['visible'] = bool(results['visible'])
        sample.set_metainfo(meta)
        tensor = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
        return dict(inputs=dict(img=tensor), data_samples=sample)
