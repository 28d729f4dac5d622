# STARK-ST50 (Yan et al., ICCV 2021): ResNet-50 up to layer3, 6+6 layer
# post-norm transformer, corner head, score head.
_attn = dict(
    embed_dims=256,
    num_heads=8,
    attn_drop=0.1,
    proj_drop=0.0,
    dropout_layer=dict(type='Dropout', drop_prob=0.1))
_ffn = dict(
    embed_dims=256,
    feedforward_channels=2048,
    num_fcs=2,
    ffn_drop=0.1,
    act_cfg=dict(type='ReLU', inplace=True))

model = dict(
    type='Stark',
    data_preprocessor=dict(
        type='StarkDataPreprocessor',
        mean=[0.485, 0.456, 0.406],
        std=[0.229, 0.224, 0.225],
        bgr_to_rgb=True),
    backbone=dict(
        type='mmdet.ResNet',
        depth=50,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, ),
        frozen_stages=1,
        style='pytorch',
        norm_cfg=dict(type='FrozenBN', requires_grad=False),
        norm_eval=True,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet50')),
    neck=dict(
        type='mmdet.ChannelMapper',
        in_channels=[1024],
        out_channels=256,
        kernel_size=1,
        norm_cfg=None,
        act_cfg=None),
    positional_encoding=dict(
        type='mmdet.SinePositionalEncoding', num_feats=128, normalize=True),
    head=dict(
        type='StarkHead',
        num_query=1,
        transformer=dict(
            type='StarkTransformer',
            encoder=dict(
                num_layers=6,
                layer_cfg=dict(self_attn_cfg=_attn, ffn_cfg=_ffn)),
            decoder=dict(
                num_layers=6,
                layer_cfg=dict(
                    self_attn_cfg=_attn, cross_attn_cfg=_attn, ffn_cfg=_ffn),
                post_norm_cfg=dict(type='LN'))),
        bbox_head=dict(
            type='CornerPredictorHead',
            in_channels=256,
            channels=256,
            stride=16),
        cls_head=dict(
            type='ScoreHead',
            in_channels=256,
            hidden_channels=256,
            out_channels=1,
            num_layers=3),
        loss_bbox=dict(type='mmdet.L1Loss', loss_weight=5.0),
        loss_iou=dict(type='mmdet.GIoULoss', loss_weight=2.0),
        loss_cls=dict(
            type='mmdet.CrossEntropyLoss', use_sigmoid=True,
            loss_weight=1.0)),
    train_cfg=dict(stage='st1'),
    test_cfg=dict(
        template_factor=2.0,
        template_size=128,
        search_factor=5.0,
        search_size=320,
        update_intervals=[200],
        update_score_thr=0.5,
        clip_margin=10,
        cache_templates=True))
