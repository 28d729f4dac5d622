# LaSOT test set (280 videos), scored as STARK does
# Override the root with --cfg-options test_dataloader.dataset.data_root=DIR
data_root = 'data/lasot/'

test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    # every rank tracks whole videos (SOTTestLoop reads video indices and
    # calls dataset.get_video)
    sampler=dict(type='VideoSampler'),
    dataset=dict(
        type='LaSOTDataset',
        data_root=data_root,
        split='test',
        test_mode=True,
        # SOTTestLoop reads whole videos through dataset.get_video and
        # crops frames itself: no test pipeline
        pipeline=[]))

test_evaluator = dict(
    type='SOTMetric', benchmark='lasot', protocol='pytracking',
    format_only=False)
