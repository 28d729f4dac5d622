"""Learned position embeddings, one per crop size (STARK-Lightning)."""
from typing import Dict, Optional

from mmengine.model import BaseModule
from torch import Tensor, nn

from stark_plugin.registry import MODELS


@MODELS.register_module()
class SizedPositionalEncoding(BaseModule):
    """One positional encoding per feature-map size, chosen by the size of
    the mask it is called with.

    STARK-Lightning learns a separate embedding for the template (8 x 8)
    and the search region (20 x 20): ``mmdet.LearnedPositionalEncoding``
    with ``num_feats=64`` computes exactly its layout (channels ``< 64``:
    ``col_embed[j]``, the x half first; then ``row_embed[i]``), independent
    of the mask values.

    Args:
        encodings: ``{name: config}``; each config is built and must have
            ``row_num_embed`` / ``col_num_embed`` (its map size).
    """

    def __init__(self, encodings: Dict[str, dict],
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.encodings = nn.ModuleDict(
            {name: MODELS.build(cfg) for name, cfg in encodings.items()})
        self._by_size = {}
        for name, enc in self.encodings.items():
            size = (enc.row_num_embed, enc.col_num_embed)
            if size in self._by_size:
                raise ValueError(f'two positional encodings for size {size}')
            self._by_size[size] = name

    def forward(self, mask: Tensor) -> Tensor:
        """``(B, C, H, W)`` embedding for a ``(B, H, W)`` feature mask."""
        size = (int(mask.shape[-2]), int(mask.shape[-1]))  # static
        name = self._by_size.get(size)
        if name is None:
            raise ValueError(f'no positional encoding for a {size} feature '
                             f'map; this model has {sorted(self._by_size)}')
        return self.encodings[name](mask)
