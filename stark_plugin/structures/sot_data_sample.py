"""Data sample carried from the training pipeline to the STARK model."""
from mmengine.structures import BaseDataElement


class SOTDataSample(BaseDataElement):
    """One training sample (templates + one search region) of STARK.

    Data fields (tensors), as produced by ``PackSOTInputs``:

    * ``template_masks``: ``(T, Ht, Wt)`` bool, True on padding.
    * ``search_mask``: ``(Hs, Ws)`` bool, True on padding.
    * ``template_bboxes``: ``(T, 4)`` float, the target in each template
      crop, ``xywh`` normalised by the template crop size.
    * ``search_bbox``: ``(4,)`` float, the target in the search crop,
      ``xywh`` normalised by the search crop size (the official
      ``search_anno``).
    * ``gt_label``: ``(1,)`` float, 1 when the search region contains the
      template's target, 0 for a negative pair (STARK-ST stage 2).

    Meta fields: ``video_name``, ``template_frame_ids``, ``search_frame_id``
    and whatever the dataset adds (``dataset_name`` ...).
    """
