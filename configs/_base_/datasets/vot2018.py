# VOT2018 short-term (VOT-ST2018, 60 sequences)
# Reset-based (supervised) experiment: failure at overlap 0, re-initialised
# 5 frames later; EAO interval [100, 356] (the toolkit's vot2018 stack).
# The layouts read: the vot-toolkit `sequences` folder (list.txt,
# <seq>/sequence, <seq>/color/%08d.jpg, groundtruth.txt, *.tag, *.value),
# a toolkit workspace, or mmtracking's data/<seq>/color layout.
# Override the root with --cfg-options test_dataloader.dataset.data_root=DIR
data_root = 'data/vot2018/'

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
        challenge='vot2018',
        test_mode=True,
        pipeline=[]))

# the experiment of vot-toolkit's `vot2018` stack: 'baseline' (supervised,
# 15 repetitions with the toolkit's early stop after 3 equal runs)
test_evaluator = dict(
    type='VOTMetric', stack='vot2018', experiment='baseline',
    protocol='vot-supervised')
