# STARK-Lightning (official experiments/stark_lightning_X_trt/
# baseline_rephead_4_lite_search5.yaml, network STARKLightningXtrt):
# RepVGG-A0 cut after stage3 (4 blocks), 1x1 bottleneck 192 -> 128, learned
# position embeddings (template 8x8, search 20x20), one lite encoder layer
# (search tokens as queries), corner head CORNER_LITE_REP_v2 (half-cell
# offset), one template never updated, no score head.
#
# The RepVGG blocks are built in the official multi-branch (training) form,
# as the official PyTorch tracker runs them. The fused single-3x3-conv form
# is `stark_plugin.models.reparameterize(model)`; SOTInferencer's fast path
# (fast=True, the default) runs it, SOTInferencer(model, fast=False) runs
# the multi-branch form exactly.
model = dict(
    type='Stark',
    data_preprocessor=dict(
        type='StarkDataPreprocessor',
        mean=[0.485, 0.456, 0.406],
        std=[0.229, 0.224, 0.225],
        bgr_to_rgb=True),
    backbone=dict(
        type='RepVGG',
        widths=(48, 48, 96, 192),
        num_blocks=(2, 4, 4),
        out_indices=(3, ),
        # official BACKBONE_TRAINED_LAYERS: stage1-3 (stage0 frozen)
        frozen_stages=0,
        norm='FrozenBN',
        # as the official run, training starts from the ImageNet weights of
        # the RepVGG authors (RepVGG-A0-train.pth, training form, same key
        # names; not downloaded: put the file there or override
        # model.backbone.init_cfg.checkpoint). Loading a STARK-Lightning
        # checkpoint (init_model, tools/test.py, demo) skips it.
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/RepVGG-A0-train.pth')),
    neck=dict(
        type='mmdet.ChannelMapper',
        in_channels=[192],
        out_channels=128,
        kernel_size=1,
        norm_cfg=None,
        act_cfg=None),
    positional_encoding=dict(
        type='SizedPositionalEncoding',
        encodings=dict(
            template=dict(type='mmdet.LearnedPositionalEncoding',
                          num_feats=64, row_num_embed=8, col_num_embed=8),
            search=dict(type='mmdet.LearnedPositionalEncoding',
                        num_feats=64, row_num_embed=20, col_num_embed=20))),
    head=dict(
        type='StarkLightningHead',
        encoder=dict(
            type='LiteEncoder',
            embed_dims=128,
            num_heads=8,
            feedforward_channels=1024,
            dropout=0.1),
        bbox_head=dict(
            type='CornerLiteRepHead',
            in_channels=128,
            channels=128,
            stride=16,
            norm='BN',
            cell_offset=0.5),
        loss_bbox=dict(type='mmdet.L1Loss', loss_weight=5.0),
        loss_iou=dict(type='mmdet.GIoULoss', loss_weight=2.0)),
    train_cfg=dict(stage='s'),
    test_cfg=dict(
        template_factor=2.0,
        template_size=128,
        search_factor=5.0,
        search_size=320,
        update_intervals=[],
        clip_margin=10,
        cache_templates=True))
