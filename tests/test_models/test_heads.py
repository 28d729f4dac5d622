"""Corner head, score head and STARK head: soft-argmax, shapes, losses."""
import math

import pytest
import torch

from stark_plugin.models.heads import (CornerPredictorHead, ScoreHead,
                                       soft_argmax)
from stark_plugin.setup_env import register_all_modules

register_all_modules()


def test_soft_argmax_peak_and_uniform():
    stride = 16
    score = torch.full((2, 1, 5, 5), -1e4)
    score[0, 0, 1, 3] = 0.0  # row 1 (y), column 3 (x)
    score[1] = 0.0  # uniform
    x, y = soft_argmax(score, stride)
    # no half-cell offset: the peak cell's top-left corner
    assert x[0].item() == pytest.approx(3 * 16)
    assert y[0].item() == pytest.approx(1 * 16)
    assert x[1].item() == pytest.approx(2 * 16)  # mean of 0..4 cells
    assert y[1].item() == pytest.approx(2 * 16)


def test_soft_argmax_two_peaks_rectangular():
    score = torch.full((1, 1, 2, 4), -1e4)
    score[0, 0, 0, 0] = 0.0
    score[0, 0, 1, 3] = math.log(3.0)  # three times the weight
    x, y = soft_argmax(score, 8)
    assert x.item() == pytest.approx(0.25 * 0 + 0.75 * 24)
    assert y.item() == pytest.approx(0.75 * 8)


def test_corner_head_normalises_by_crop_size():
    head = CornerPredictorHead(in_channels=8, channels=8, stride=16).eval()
    tl = torch.full((1, 1, 4, 4), -1e4)
    br = torch.full((1, 1, 4, 4), -1e4)
    tl[0, 0, 1, 0] = 0  # (x=0, y=16)
    br[0, 0, 3, 2] = 0  # (x=32, y=48)
    boxes = head.decode(tl, br)
    assert torch.allclose(boxes, torch.tensor([[0, 16, 32, 48]]) / 64.)
    out, map_tl, map_br = head(torch.randn(2, 8, 4, 4))
    assert out.shape == (2, 4) and map_tl.shape == (2, 1, 4, 4)
    names = [n for n, _ in head.named_parameters()]
    assert 'tl_corner_pred.0.conv.weight' in names
    assert 'br_corner_pred.4.weight' in names


def test_score_head():
    head = ScoreHead(8, 8, 1, 3)
    assert len(head.layers) == 3
    out = head(torch.randn(1, 2, 1, 8))
    assert out.shape == (1, 2, 1, 1)
    x = torch.randn(3, 8)
    ref = head.layers[2](torch.relu(head.layers[1](torch.relu(
        head.layers[0](x)))))
    assert torch.allclose(head(x), ref)
    # the official layout: no extra parameters or buffers
    assert head.input_norm is None
    assert sorted(head.state_dict()) == sorted(
        f'layers.{i}.{k}' for i in range(3) for k in ('weight', 'bias'))


def test_score_head_input_norm_standardizes_channels():
    torch.manual_seed(0)
    head = ScoreHead(4, 8, 1, 3, input_norm_cfg=dict(type='BN1d'))
    # a large constant mean with a small per-sample variation, as the tiny
    # decoder output has
    x = torch.tensor([5.0, -3.0, 1.0, 2.0]) + 0.01 * torch.randn(64, 4)
    head.train()
    for _ in range(150):  # running stats converge (momentum 0.1)
        head(x.view(1, 64, 1, 4))
    assert torch.allclose(head.input_norm.running_mean, x.mean(0), atol=1e-3)
    head.eval()
    normed = head.input_norm(x)
    assert torch.allclose(normed.mean(0), torch.zeros(4), atol=1e-2)
    assert torch.allclose(normed.std(0), torch.ones(4), atol=0.1)
    out = head(x.view(1, 64, 1, 4))
    ref = head.layers[2](torch.relu(head.layers[1](torch.relu(
        head.layers[0](normed)))))
    assert torch.allclose(out.view(64, 1), ref, atol=1e-6)
    assert 'input_norm.running_mean' in head.state_dict()


def test_box_head_input_is_similarity_weighted_search(tiny_model):
    head = tiny_model.head
    b, c, h, w, lt = 2, 32, 3, 4, 5
    memory = torch.randn(b, lt + h * w, c)
    hs = torch.randn(1, b, 1, c)
    feat = head.box_head_input(hs, memory, (h, w))
    assert feat.shape == (b, c, h, w)
    for i in range(b):
        search = memory[i, lt:]  # (HW, C)
        att = search @ hs[0, i, 0]  # plain dot product
        expected = (search * att[:, None]).t().reshape(c, h, w)
        assert torch.allclose(feat[i], expected, atol=1e-5)


def _head_outs(boxes_cxcywh=None, logits=None):
    outs = {}
    if boxes_cxcywh is not None:
        outs['pred_boxes'] = torch.tensor(boxes_cxcywh)[:, None, :]
    if logits is not None:
        outs['pred_logits'] = torch.tensor(logits).view(-1, 1, 1)
    return outs


def test_stage1_losses_hand_made(tiny_model):
    head = tiny_model.head
    # prediction: xyxy (0.2, 0.2, 0.6, 0.6); gt xywh (0.4, 0.4, 0.4, 0.4)
    # -> xyxy (0.4, 0.4, 0.8, 0.8)
    outs = _head_outs([[0.4, 0.4, 0.4, 0.4]])
    gt = torch.tensor([[0.4, 0.4, 0.4, 0.4]])
    losses = head.loss_by_feat(outs, gt_bboxes_xywh=gt)
    assert losses['loss_bbox'].item() == pytest.approx(5.0 * 0.2, abs=1e-6)
    inter, union, hull = 0.04, 0.16 + 0.16 - 0.04, 0.36
    giou = inter / union - (hull - union) / hull
    assert losses['loss_iou'].item() == pytest.approx(
        2.0 * (1 - giou), abs=1e-5)
    assert 'loss_cls' not in losses


def test_stage1_gt_is_clamped_and_degenerate_pred_has_no_iou_loss(
        tiny_model):
    head = tiny_model.head
    # gt partly outside the crop: xyxy (-0.2, 0.5, 0.4, 1.3) -> clamped
    # (0, 0.5, 0.4, 1.0); prediction equal to the clamped box
    outs = _head_outs([[0.2, 0.75, 0.4, 0.5]])
    gt = torch.tensor([[-0.2, 0.5, 0.6, 0.8]])
    losses = head.loss_by_feat(outs, gt_bboxes_xywh=gt)
    assert losses['loss_bbox'].item() == pytest.approx(0.0, abs=1e-6)
    assert losses['loss_iou'].item() == pytest.approx(0.0, abs=1e-5)
    # negative width: the official GIoU asserts and the loss is set to 0
    outs = _head_outs([[0.5, 0.5, -0.1, 0.2], [0.5, 0.5, 0.2, 0.2]])
    gt = torch.tensor([[0.1, 0.1, 0.5, 0.5], [0.1, 0.1, 0.5, 0.5]])
    losses = head.loss_by_feat(outs, gt_bboxes_xywh=gt)
    assert losses['loss_iou'].item() == 0.0
    assert losses['loss_bbox'].item() > 0


def test_stage2_loss_is_bce(tiny_model):
    head = tiny_model.head
    outs = _head_outs(logits=[0.0, 2.0])
    losses = head.loss_by_feat(outs, gt_labels=torch.tensor([[1.], [0.]]))
    expected = (math.log(2.0) + math.log(1 + math.exp(2.0))) / 2
    assert losses['loss_cls'].item() == pytest.approx(expected, abs=1e-6)
    assert set(losses) == {'loss_cls'}


def test_head_stages_compose_to_forward(tiny_model):
    """forward = forward_transformer, then forward_heads (score head, box
    head); each stage alone gives the forward's tensors bit for bit."""
    from stark_plugin.models.layers.tokens import FeatureTokens
    head = tiny_model.head
    g = torch.Generator().manual_seed(0)
    c = head.embed_dims
    parts = []
    for hw in ((2, 2), (3, 3)):  # a template and the search region
        n = hw[0] * hw[1]
        parts.append(FeatureTokens(
            torch.randn(2, n, c, generator=g),
            torch.zeros(2, n, dtype=torch.bool),
            torch.randn(2, n, c, generator=g), hw))
    tokens = FeatureTokens.cat(parts)
    with torch.no_grad():
        out = head(tokens)
        hs, memory = head.forward_transformer(tokens)
        heads = head.forward_heads(hs, memory, tokens.hw)
        box = head.forward_box_head(hs, memory, tokens.hw)
        logits = head.forward_score_head(hs)
        no_box = head.forward_heads(hs, memory, tokens.hw,
                                    run_box_head=False)
    assert list(out) == ['hs', 'memory', 'pred_logits', 'pred_boxes',
                         'score_map_tl', 'score_map_br']
    assert torch.equal(out['hs'], hs) and torch.equal(out['memory'], memory)
    for key, value in heads.items():
        assert torch.equal(out[key], value), key
    for key, value in box.items():
        assert torch.equal(out[key], value), key
    assert torch.equal(out['pred_logits'], logits)
    assert list(no_box) == ['pred_logits']
