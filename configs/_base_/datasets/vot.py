# VOT sequences for VOTTestLoop: the part the VOT dataset configs share.
# The layouts read: the vot-toolkit `sequences` folder (list.txt,
# <seq>/sequence, <seq>/color/%08d.jpg, groundtruth.txt, *.tag, *.value),
# a toolkit workspace, or mmtracking's data/<seq>/color layout.
# Each challenge config (vot2018.py, vot2019.py, vot2020.py, votlt2020.py)
# adds its data root, challenge and VOTMetric experiment.
# Override the root with --cfg-options test_dataloader.dataset.data_root=DIR
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    # every rank tracks whole sequences (VOTTestLoop calls get_video)
    sampler=dict(type='VideoSampler'),
    dataset=dict(type='VOTDataset', test_mode=True, pipeline=[]))
