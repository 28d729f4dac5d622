# VOT2020 long-term (VOT-LT2020, 50 sequences)
# One pass per sequence with the tracker's confidence on every frame;
# tracking precision / recall / F-score over the confidence threshold.
# The layouts read: the vot-toolkit `sequences` folder (list.txt,
# <seq>/sequence, <seq>/color/%08d.jpg, groundtruth.txt, *.tag, *.value),
# a toolkit workspace, or mmtracking's data/<seq>/color layout.
# Override the root with --cfg-options test_dataloader.dataset.data_root=DIR
data_root = 'data/votlt2020/'

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
        challenge='votlt2020',
        test_mode=True,
        pipeline=[]))

# the experiment of vot-toolkit's `votlt2020` stack: 'longterm' (one pass;
# its 'redetection' experiment is not supported)
test_evaluator = dict(
    type='VOTMetric', stack='votlt2020', experiment='longterm',
    protocol='vot-longterm')
