"""The configured positional encoding is the official STARK/DETR one."""
import math

import torch

from stark_plugin.registry import MODELS
from stark_plugin.setup_env import register_all_modules

register_all_modules()


def official_formula(mask: torch.Tensor, num_feats: int) -> torch.Tensor:
    """README: cumulative count of valid cells per axis / (last + 1e-6) *
    2 pi; temperature 10000; sin/cos interleaved; y half before x half."""
    valid = (~mask).float()
    y = valid.cumsum(1)
    x = valid.cumsum(2)
    y = y / (y[:, -1:, :] + 1e-6) * 2 * math.pi
    x = x / (x[:, :, -1:] + 1e-6) * 2 * math.pi
    i = torch.arange(num_feats, dtype=torch.float32)
    dim_t = 10000**(2 * torch.div(i, 2, rounding_mode='floor') / num_feats)
    px, py = x[..., None] / dim_t, y[..., None] / dim_t
    out_x = torch.empty_like(px)
    out_y = torch.empty_like(py)
    out_x[..., 0::2], out_x[..., 1::2] = px[..., 0::2].sin(), px[...,
                                                                  1::2].cos()
    out_y[..., 0::2], out_y[..., 1::2] = py[..., 0::2].sin(), py[...,
                                                                  1::2].cos()
    return torch.cat([out_y, out_x], dim=-1).permute(0, 3, 1, 2)


def test_sine_encoding_matches_official_formula():
    pe = MODELS.build(
        dict(type='mmdet.SinePositionalEncoding', num_feats=128,
             normalize=True))
    mask = torch.zeros(2, 8, 8, dtype=torch.bool)
    mask[0, :, 6:] = True  # padded right columns
    mask[1, :3] = True  # padded top rows
    mask[1, :, :2] = True
    ours = pe(mask)
    ref = official_formula(mask, 128)
    assert ours.shape == (2, 256, 8, 8)
    assert torch.allclose(ours, ref, atol=1e-6)
    # y half first: on valid cells channel 0 varies along rows only
    assert torch.allclose(ours[0, 0, :, :6], ours[0, 0, :, :1].expand(8, 6))
    assert not torch.allclose(ours[0, 0, :1, :6], ours[0, 0, 1:2, :6])
