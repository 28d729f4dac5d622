# A tiny STARK-ST for CPU tests (random weights): ResNet-18 with 16 base
# channels up to layer3 (64 ch, stride 16), d=32 transformer with one
# encoder and one decoder layer, 64 px templates and 160 px search crops
# (4x4 and 10x10 feature maps). Model only: combine with
# configs/_base_/default_runtime.py (default_scope) for a Runner.

_attn = dict(
    embed_dims=32,
    num_heads=4,
    attn_drop=0.1,
    dropout_layer=dict(type='Dropout', drop_prob=0.1))
_ffn = dict(
    embed_dims=32,
    feedforward_channels=64,
    num_fcs=2,
    ffn_drop=0.1,
    act_cfg=dict(type='ReLU', inplace=True))

model = dict(
    type='Stark',
    data_preprocessor=dict(type='StarkDataPreprocessor'),
    backbone=dict(
        type='mmdet.ResNet',
        depth=18,
        base_channels=16,
        stem_channels=16,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, ),
        frozen_stages=1,
        style='pytorch',
        norm_cfg=dict(type='FrozenBN', requires_grad=False),
        norm_eval=True,
        init_cfg=None),
    neck=dict(
        type='mmdet.ChannelMapper',
        in_channels=[64],
        out_channels=32,
        kernel_size=1,
        norm_cfg=None,
        act_cfg=None),
    positional_encoding=dict(
        type='mmdet.SinePositionalEncoding', num_feats=16, normalize=True),
    head=dict(
        type='StarkHead',
        num_query=1,
        transformer=dict(
            type='StarkTransformer',
            encoder=dict(
                num_layers=1,
                layer_cfg=dict(self_attn_cfg=_attn, ffn_cfg=_ffn)),
            decoder=dict(
                num_layers=1,
                layer_cfg=dict(
                    self_attn_cfg=_attn, cross_attn_cfg=_attn, ffn_cfg=_ffn),
                post_norm_cfg=dict(type='LN'))),
        bbox_head=dict(
            type='CornerPredictorHead', in_channels=32, channels=32,
            stride=16),
        cls_head=dict(
            type='ScoreHead',
            in_channels=32,
            hidden_channels=32,
            out_channels=1,
            num_layers=3)),
    train_cfg=dict(stage='st1'),
    test_cfg=dict(
        template_factor=2.0,
        template_size=64,
        search_factor=5.0,
        search_size=160,
        update_intervals=[10],
        update_score_thr=0.5,
        clip_margin=10,
        cache_templates=True))
