# STARK-ST stage 1 training data on GOT-10k (the official "GOT-10k only"
# protocol trains on the full train split; use split='vot_train' for the
# split without the VOT sequences).
# Override the root with
#   --cfg-options train_dataloader.dataset.data_root=DIR
dataset_type = 'GOT10kDataset'
train_data_root = 'data/got10k/'

# Official STARK-ST processing (lib/train/data/{sampler,processing,
# transforms}.py, base_functions.py); the stage configs index into this
# list, keep its order.
train_pipeline = [
    # 0: 2 templates + 1 search frame; the dynamic template lies within 200
    # frames of the search frame and may be an invisible frame (trident_pro)
    dict(type='TridentSampling', num_template_frames=2,
         max_frame_range=[200], mode='trident_pro'),
    # 1: load the frames (BGR)
    dict(type='TransformBroadcaster',
         mapping=dict(img_path='img_path'),
         remapping=dict(img_path='img_path', img='img',
                        img_shape='img_shape', ori_shape='ori_shape'),
         transforms=[dict(type='LoadImageFromFile')]),
    # 2, 3: joint on all frames (official transform_joint)
    dict(type='GrayAug', prob=0.05),
    dict(type='SeqRandomFlip', prob=0.5, stage='frames'),
    # 4, 5: jitter the crop boxes, crop, box targets (rule 1)
    dict(type='SeqBboxJitter', template_center=0.0, template_scale=0.0,
         search_center=4.5, search_scale=0.5),
    dict(type='SeqCropLikeStark', template_factor=2.0, template_size=128,
         search_factor=5.0, search_size=320),
    # 6, 7: per crop (official transform_train; the brightness factor is
    # applied by the data preprocessor)
    dict(type='BrightnessAug', jitter=0.2),
    dict(type='SeqRandomFlip', prob=0.5, stage='crops'),
    # 8: padding-mask rules 2 and 3, after the flip as in the official code
    dict(type='CheckPadMaskValidity', stride=16),
    dict(type='PackSOTInputs'),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    # each worker stacks its batch into a few tensors (the data
    # preprocessor takes them apart again: the model sees the same
    # tensors) and runs on one OpenCV / torch thread; pin_memory is set on
    # CUDA machines by tools/train.py
    collate_fn=dict(type='stark_plugin.sot_collate'),
    worker_init_fn=dict(type='stark_plugin.sot_worker_init'),
    # the official loader drops the last incomplete batch of an epoch
    drop_last=True,
    sampler=dict(type='QuotaSampler', samples_per_epoch=60000),
    dataset=dict(
        type=dataset_type,
        data_root=train_data_root,
        split='train',
        pipeline=train_pipeline))
