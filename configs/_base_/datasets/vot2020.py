# VOT2020 short-term (VOT-ST2020, 60 sequences, mask ground truth)
# Anchor-based (multistart) experiment: one run per anchor of anchor.value,
# forward or backward; EAO interval [115, 755] (the toolkit's vot2020 stack).
# The layouts read: the vot-toolkit `sequences` folder (list.txt,
# <seq>/sequence, <seq>/color/%08d.jpg, groundtruth.txt, *.tag, *.value),
# a toolkit workspace, or mmtracking's data/<seq>/color layout.
# Override the root with --cfg-options test_dataloader.dataset.data_root=DIR
data_root = 'data/vot2020/'

test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    # every rank tracks whole sequences (VOTTestLoop calls get_video)
    sampler=dict(type='VideoSampler'),
    dataset=dict(
        type='VOTDataset',
        data_root=data_root,
        challenge='vot2020',
        test_mode=True,
        pipeline=[]))

# the experiment of vot-toolkit's `vot2020` stack: 'baseline' (multistart)
test_evaluator = dict(
    type='VOTMetric', stack='vot2020', experiment='baseline',
    protocol='vot-multistart')
