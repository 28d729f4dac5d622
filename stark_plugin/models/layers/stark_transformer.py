"""The encoder-decoder transformer of STARK."""
from typing import Optional, Tuple

import torch
from mmdet.models.layers.transformer import (DetrTransformerDecoder,
                                             DetrTransformerEncoder)
from mmengine.model import BaseModule
from torch import Tensor, nn

from stark_plugin.registry import MODELS
from .fast_attention import fast_transformer_forward


def xavier_init_matrices(module: nn.Module) -> None:
    """Xavier-uniform on every parameter of ``module`` with more than one
    dimension (the official DETR / STARK transformer init; attention
    ``in_proj_weight`` included, which mmengine's layer-type inits miss)."""
    for p in module.parameters():
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)


@MODELS.register_module()
class StarkTransformer(BaseModule):
    """DETR post-norm transformer over template and search tokens.

    The encoder (no final norm) runs self-attention over the concatenated
    template and search tokens with a key-padding mask. The decoder (final
    LayerNorm) starts from zeros and uses the learned query embedding as
    its positional input. Layers are mmdet's ``DetrTransformerEncoder`` /
    ``DetrTransformerDecoder`` (batch first), which compute exactly the
    official post-norm layers: ``q = k = x + pos``, ``v = x``.

    Args:
        encoder: kwargs of ``DetrTransformerEncoder``.
        decoder: kwargs of ``DetrTransformerDecoder`` (``return_intermediate``
            is forced to False: STARK uses the last layer only).
    """

    def __init__(self, encoder: dict, decoder: dict,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        decoder = dict(decoder)
        decoder['return_intermediate'] = False
        self.encoder = DetrTransformerEncoder(**encoder)
        self.decoder = DetrTransformerDecoder(**decoder)
        self.embed_dims = self.encoder.embed_dims
        #: eval-only fused path (set by ``prepare_for_inference``)
        self.fast_inference = False

    def init_weights(self) -> None:
        """Xavier-uniform on every matrix, as DETR/STARK do."""
        super().init_weights()
        xavier_init_matrices(self)

    def forward(self, feat: Tensor, mask: Tensor, pos: Tensor,
                query_embed: Tensor) -> Tuple[Tensor, Tensor]:
        """Run encoder and decoder.

        Args:
            feat: ``(B, L, C)`` tokens.
            mask: ``(B, L)`` bool key-padding mask (True = padding).
            pos: ``(B, L, C)`` positional encoding.
            query_embed: ``(Nq, C)`` learned queries.

        Returns:
            ``hs`` of shape ``(1, B, Nq, C)`` (decoder output after the final
            LayerNorm) and ``memory`` of shape ``(B, L, C)``.
        """
        if self.fast_inference and not self.training:
            return fast_transformer_forward(self, feat, mask, pos,
                                            query_embed)
        memory = self.encoder(
            query=feat, query_pos=pos, key_padding_mask=mask)
        query_pos = query_embed.unsqueeze(0).repeat(feat.shape[0], 1, 1)
        target = torch.zeros_like(query_pos)
        hs = self.decoder(
            query=target,
            key=memory,
            value=memory,
            query_pos=query_pos,
            key_pos=pos,
            key_padding_mask=mask)
        return hs, memory
