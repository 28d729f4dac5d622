# The bundled tiny STARK-ST (stark_plugin/assets/stark_st_tiny_synth_rich.pth,
# trained on generated videos) on a VOT-layout sequences folder: tests of
# tools/test.py, VOTTestLoop and VOTMetric. Set the data root with
# --cfg-options test_dataloader.dataset.data_root=DIR and the experiment
# with test_evaluator.stack=... test_evaluator.experiment=...
_base_ = ['../../../configs/sot/stark/stark_st2_tiny_synth.py']

test_dataloader = dict(
    _delete_=True,
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='VideoSampler'),
    dataset=dict(
        type='VOTDataset',
        data_root='data/synthetic_vot',
        test_mode=True,
        pipeline=[]))
test_evaluator = dict(
    _delete_=True, type='VOTMetric', stack='vot2018', experiment='baseline')
# one run: the tracker is deterministic (the stack asks for 15, which the
# toolkit stops after 3 equal runs)
test_cfg = dict(
    _delete_=True, type='VOTTestLoop', tracker_name='stark_tiny',
    repetitions=1)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
