"""Stark.loss() through the data preprocessor, and stage-2 freezing."""
import torch

from stark_plugin.structures import SOTDataSample


def make_batch(num: int = 2, templates: int = 2, zs: int = 64,
               xs: int = 160, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(num):
        inputs.append(
            dict(
                template=torch.randint(
                    0, 256, (templates, 3, zs, zs), generator=g,
                    dtype=torch.uint8),
                search=torch.randint(
                    0, 256, (1, 3, xs, xs), generator=g,
                    dtype=torch.uint8)))
        s = SOTDataSample()
        tmask = torch.zeros(templates, zs, zs, dtype=torch.bool)
        tmask[:, :, -8:] = True
        s.template_masks = tmask
        smask = torch.zeros(xs, xs, dtype=torch.bool)
        smask[:20] = True
        s.search_mask = smask
        s.template_bboxes = torch.tensor([[0.25, 0.25, 0.5, 0.5]] *
                                         templates)
        s.search_bbox = torch.tensor([0.3, 0.35, 0.2, 0.25])
        s.gt_label = torch.tensor([float(i % 2)])
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_data_preprocessor_bgr_to_rgb_and_normalisation(tiny_model):
    batch = make_batch(num=2)
    out = tiny_model.data_preprocessor(batch, training=True)
    inputs = out['inputs']
    assert inputs['template'].shape == (2, 2, 3, 64, 64)
    assert inputs['search'].shape == (2, 1, 3, 160, 160)
    assert inputs['template_mask'].shape == (2, 2, 64, 64)
    assert inputs['search_mask'].shape == (2, 1, 160, 160)
    assert inputs['search_mask'].dtype == torch.bool
    bgr = batch['inputs'][1]['search'][0].float()
    mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
    # official training transform: ToTensorAndJitter (b = 1) + Normalize
    expected = (bgr.flip(0) * (1 / 255.0) - mean) / std
    assert torch.equal(inputs['search'][1, 0], expected)


def test_data_preprocessor_applies_each_crops_brightness(tiny_model):
    batch = make_batch(num=2)
    batch['data_samples'][0].brightness = torch.tensor([0.8, 1.0, 1.2],
                                                        dtype=torch.float64)
    out = tiny_model.data_preprocessor(batch, training=True)['inputs']
    mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
    for crop, got, b in [
            (batch['inputs'][0]['template'][0], out['template'][0, 0], 0.8),
            (batch['inputs'][0]['template'][1], out['template'][0, 1], 1.0),
            (batch['inputs'][0]['search'][0], out['search'][0, 0], 1.2)]:
        x = (crop.flip(0).float() * (b / 255.0)).clamp(0, 1)
        assert torch.equal(got, (x - mean) / std)
    # the second sample has no factors: b = 1
    x = batch['inputs'][1]['template'][0].flip(0).float() * (1 / 255.0)
    assert torch.equal(out['template'][1, 0], (x - mean) / std)


def test_stage1_loss_names(tiny_model_factory):
    model = tiny_model_factory()
    model.train()
    data = model.data_preprocessor(make_batch(), training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_bbox', 'loss_iou', 'iou'}
    assert all(torch.isfinite(v) for v in losses.values())
    # stage 1 never trains the score head (official ST1)
    assert not any(p.requires_grad
                   for p in model.head.cls_head.parameters())


def test_stage2_trains_only_the_score_head(tiny_model_factory):
    model = tiny_model_factory(**{'model.train_cfg.stage': 'st2'})
    model.train()
    # official: frozen parts keep train mode (dropout on), only their
    # parameters are frozen; their BatchNorm statistics stay frozen too
    assert model.head.transformer.training and model.head.cls_head.training
    frozen_bn = [m for name in model.frozen_modules
                 for m in model._get_module(name).modules()
                 if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert frozen_bn and not any(m.training for m in frozen_bn)
    evaluated = tiny_model_factory(**{'model.train_cfg.stage': 'st2',
                                      'model.train_cfg.frozen_eval': True})
    evaluated.train()  # the option: frozen parts in eval mode
    assert not evaluated.head.transformer.training
    assert not evaluated.backbone.training and not evaluated.neck.training
    assert not evaluated.head.bbox_head.training
    assert evaluated.head.cls_head.training
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith('head.cls_head.')
                             for n in trainable)

    before = {k: v.clone() for k, v in model.state_dict().items()}
    optim = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.5)
    data = model.data_preprocessor(make_batch(), training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_cls'}
    optim.zero_grad()
    sum(losses.values()).backward()
    optim.step()
    after = model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed, 'the score head did not change'
    assert all(k.startswith('head.cls_head.') for k in changed), changed


def test_predict_returns_boxes_and_scores(tiny_model):
    data = tiny_model.data_preprocessor(make_batch(), training=False)
    with torch.no_grad():
        samples = tiny_model(**data, mode='predict')
    assert len(samples) == 2
    assert samples[0].pred_bbox.shape == (4, )
    assert 0 <= float(samples[0].pred_score) <= 1
