"""The one-layer "lite" encoder of STARK-Lightning."""
from typing import Dict, Optional

from mmcv.cnn.bricks.transformer import FFN
from mmengine.model import BaseModule
from torch import Tensor, nn

from stark_plugin.registry import MODELS
from .fast_attention import fast_mha
from .stark_transformer import xavier_init_matrices
from .tokens import FeatureTokens


@MODELS.register_module()
class LiteEncoder(BaseModule):
    """One post-norm attention layer whose queries are the search tokens.

    Over the concatenated tokens ``[template, search]`` (search last, ``H
    * W`` tokens): ``q = search + pos_search``, ``k = tokens + pos``, ``v =
    tokens`` (no position), key-padding mask of all tokens;
    ``x = norm1(q + MHA(q, k, v))`` (the residual includes the position),
    ``memory = norm2(x + FFN(x))``. Only the search tokens leave the layer.

    Args:
        embed_dims: token channels (128).
        num_heads: attention heads (8).
        feedforward_channels: FFN hidden width (1024).
        dropout: dropout of attention weights, attention output and FFN.
    """

    def __init__(self,
                 embed_dims: int = 128,
                 num_heads: int = 8,
                 feedforward_channels: int = 1024,
                 dropout: float = 0.1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.embed_dims = embed_dims
        self.self_attn = nn.MultiheadAttention(
            embed_dims, num_heads, dropout=dropout, batch_first=True)
        self.attn_drop = nn.Dropout(dropout)
        self.ffn = FFN(
            embed_dims=embed_dims,
            feedforward_channels=feedforward_channels,
            num_fcs=2,
            ffn_drop=dropout,
            act_cfg=dict(type='ReLU', inplace=True))
        self.norms = nn.ModuleList(
            [nn.LayerNorm(embed_dims),
             nn.LayerNorm(embed_dims)])
        #: eval-only: attention through ``scaled_dot_product_attention``
        #: (set by ``prepare_for_inference``)
        self.fast_inference = False

    def init_weights(self) -> None:
        """Xavier-uniform on every matrix, as the official code."""
        super().init_weights()
        xavier_init_matrices(self)

    @staticmethod
    def qkv(tokens: FeatureTokens) -> Dict[str, Tensor]:
        """Official ``get_qkv``: ``q`` ``(B, HW, C)``, ``k``, ``v``
        ``(B, L, C)`` and ``key_padding_mask`` ``(B, L)``."""
        h, w = tokens.hw
        q = tokens.feat[:, -h * w:] + tokens.pos[:, -h * w:]
        k = tokens.feat + tokens.pos
        return dict(q=q, k=k, v=tokens.feat, key_padding_mask=tokens.mask)

    def attention(self, q: Tensor, k: Tensor, v: Tensor,
                  key_padding_mask: Optional[Tensor]) -> Tensor:
        """Multi-head attention output (before the residual)."""
        if self.fast_inference and not self.training:
            return fast_mha(self.self_attn, q, k, v, key_padding_mask)
        # need_weights=True: the explicit softmax(q k^T) v of the official
        # call (need_weights=False takes a fused kernel, other rounding)
        return self.self_attn(
            q, k, v, key_padding_mask=key_padding_mask,
            need_weights=True)[0]

    def forward(self, tokens: FeatureTokens,
                return_intermediate: bool = False) -> Dict[str, Tensor]:
        """``memory`` ``(B, HW, C)`` of the search tokens; with
        ``return_intermediate`` also ``q, k, v, key_padding_mask,
        attn_out, norm1_out, ffn_out`` (the FFN output before its
        residual)."""
        qkv = self.qkv(tokens)
        attn_out = self.attention(**qkv)
        x = self.norms[0](qkv['q'] + self.attn_drop(attn_out))
        if return_intermediate:
            ffn_out = self.ffn(x, identity=0.0)
            memory = self.norms[1](x + ffn_out)
            return dict(qkv, attn_out=attn_out, norm1_out=x,
                        ffn_out=ffn_out, memory=memory)
        return dict(memory=self.norms[1](self.ffn(x)))
