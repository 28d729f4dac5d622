# A tiny STARK-ST stage 1 that learns on CPU in a few minutes on the
# synthetic GOT-10k-layout data of tools/misc/make_synthetic_sot.py
# (used by tools/analysis/verify_training.py). Same structure as STARK-ST50,
# scaled down: ResNet-18 with 16 base channels up to layer2 (stride 8,
# trained from scratch: nothing frozen, ordinary BN), d=32 transformer with
# one encoder layer and STARK's six decoder layers (decoder layers with one
# query cost almost nothing; with one layer the decoder output hardly
# depended on the search region: a useless score head), 32 px templates
# and 80 px search crops (4x4 and 10x10 feature maps), same crop factors
# (2 and 5) as STARK. One deviation from STARK: the score head
# standardizes its input (ScoreHead input_norm_cfg=BN1d, see there); it
# does not train in stage 1.
# Tuned for a few CPU minutes: lr 1e-3 without the backbone x0.1, and a
# smaller search jitter (centre 1.5, scale 0.25 instead of 4.5 / 0.5: the
# inter-frame motion the tracker meets is small next to its 5x search
# area), batch 8 (twice the steps of batch 16 for the same samples, and a
# better tracker) and 28 epochs of 1600 samples (5600 steps, lr x0.1 for
# the last 6). Run it with OMP_NUM_THREADS=1 on a small CPU
# (verify_training.py does): several OpenMP threads per process are several
# times slower.
#   python tools/train.py configs/sot/stark/stark_st1_tiny_synth.py \
#       --cfg-options train_dataloader.dataset.data_root=DIR \
#       test_dataloader.dataset.data_root=DIR
_base_ = [
    '../../_base_/datasets/got10k_stark_st1.py',
    '../../_base_/datasets/got10k_val.py',
    '../../_base_/schedules/stark_st1_500e.py',
    '../../_base_/default_runtime.py',
]

data_root = 'data/synth_sot/'
template_size = 32
search_size = 80
stride = 8

_attn = dict(
    embed_dims=32,
    num_heads=4,
    attn_drop=0.0,
    dropout_layer=dict(type='Dropout', drop_prob=0.0))
_ffn = dict(
    embed_dims=32,
    feedforward_channels=64,
    num_fcs=2,
    ffn_drop=0.0,
    act_cfg=dict(type='ReLU', inplace=True))

model = dict(
    type='Stark',
    data_preprocessor=dict(type='StarkDataPreprocessor'),
    backbone=dict(
        type='mmdet.ResNet',
        depth=18,
        base_channels=16,
        stem_channels=16,
        num_stages=2,
        strides=(1, 2),
        dilations=(1, 1),
        out_indices=(1, ),
        # trained from scratch: nothing frozen, ordinary BN
        frozen_stages=-1,
        style='pytorch',
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(
        type='mmdet.ChannelMapper',
        in_channels=[32],
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
                num_layers=6,
                layer_cfg=dict(
                    self_attn_cfg=_attn, cross_attn_cfg=_attn, ffn_cfg=_ffn),
                post_norm_cfg=dict(type='LN'))),
        bbox_head=dict(
            type='CornerPredictorHead', in_channels=32, channels=32,
            stride=stride),
        cls_head=dict(
            type='ScoreHead',
            in_channels=32,
            hidden_channels=32,
            out_channels=1,
            num_layers=3,
            # not in STARK: standardize the decoder output, which varies
            # little between samples in this tiny model (see ScoreHead)
            input_norm_cfg=dict(type='BN1d')),
        loss_bbox=dict(type='mmdet.L1Loss', loss_weight=5.0),
        loss_iou=dict(type='mmdet.GIoULoss', loss_weight=2.0),
        loss_cls=dict(
            type='mmdet.CrossEntropyLoss', use_sigmoid=True,
            loss_weight=1.0)),
    train_cfg=dict(stage='st1'),
    test_cfg=dict(
        template_factor=2.0,
        template_size=template_size,
        search_factor=5.0,
        search_size=search_size,
        update_intervals=[10],
        update_score_thr=0.5,
        clip_margin=10,
        cache_templates=True))

# the STARK stage-1 pipeline with the smaller crops and search jitter
train_pipeline = _base_.train_pipeline
train_pipeline[4].update(search_center=1.5, search_scale=0.25)  # jitter
train_pipeline[5].update(template_size=template_size,  # crop
                         search_size=search_size)
train_pipeline[8].update(stride=stride)  # pad-mask validity

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    sampler=dict(samples_per_epoch=1600),
    dataset=dict(data_root=data_root, pipeline=train_pipeline))

test_dataloader = dict(dataset=dict(data_root=data_root, split='val'))
# success AUC (OTB-style curve over all frames) on the synthetic val videos
test_evaluator = dict(
    _delete_=True, type='SOTMetric', benchmark='custom', protocol='got10k')
test_cfg = dict(type='SOTTestLoop')

# from scratch in minutes: a larger lr than the published 1e-4, no
# backbone lr reduction (the backbone is not pretrained)
max_epochs = 28
# foreach: torch's multi-tensor AdamW, which torch uses on CUDA by default;
# on the CPU it is not the default but takes the tiny step from about 120
# to 111 ms (1 thread, AMD EPYC) with the same weights bit for bit
optim_wrapper = dict(
    optimizer=dict(lr=1e-3, foreach=True),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}),
    clip_grad=dict(max_norm=1.0))
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[22], gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
log_processor = dict(window_size=20)
randomness = dict(seed=0)
