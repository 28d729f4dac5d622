"""Token sequences fed to the STARK transformer."""
from dataclasses import dataclass
from typing import Sequence, Tuple

import torch
from torch import Tensor


@dataclass
class FeatureTokens:
    """Flattened features of one or more crops, batch first.

    Attributes:
        feat: ``(B, L, C)`` features after the neck.
        mask: ``(B, L)`` bool key-padding mask, True on padding.
        pos: ``(B, L, C)`` sine positional encoding.
        hw: spatial size ``(H, W)`` of the last crop in the sequence (the
            search region when templates and search are concatenated).
    """

    feat: Tensor
    mask: Tensor
    pos: Tensor
    hw: Tuple[int, int]

    @property
    def batch_size(self) -> int:
        return self.feat.shape[0]

    @staticmethod
    def cat(parts: Sequence['FeatureTokens']) -> 'FeatureTokens':
        """Concatenate along the sequence axis (the search must be last)."""
        return FeatureTokens(
            feat=torch.cat([p.feat for p in parts], dim=1),
            mask=torch.cat([p.mask for p in parts], dim=1),
            pos=torch.cat([p.pos for p in parts], dim=1),
            hw=parts[-1].hw)

    @staticmethod
    def stack_batch(parts: Sequence['FeatureTokens']) -> 'FeatureTokens':
        """Concatenate along the batch axis (same sequence layout)."""
        hws = {p.hw for p in parts}
        if len(hws) != 1:
            raise ValueError(f'cannot batch tokens of sizes {sorted(hws)}')
        return FeatureTokens(
            feat=torch.cat([p.feat for p in parts], dim=0),
            mask=torch.cat([p.mask for p in parts], dim=0),
            pos=torch.cat([p.pos for p in parts], dim=0),
            hw=parts[0].hw)

    def repeat_batch(self, n: int) -> 'FeatureTokens':
        return FeatureTokens(
            feat=self.feat.expand(n, -1, -1) if self.batch_size == 1 else
            self.feat.repeat(n, 1, 1),
            mask=self.mask.expand(n, -1) if self.batch_size == 1 else
            self.mask.repeat(n, 1),
            pos=self.pos.expand(n, -1, -1) if self.batch_size == 1 else
            self.pos.repeat(n, 1, 1),
            hw=self.hw)
