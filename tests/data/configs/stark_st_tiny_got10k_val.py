# The tiny random-weight STARK on a GOT-10k-layout val split (tests of
# tools/test.py, SOTTestLoop and distributed testing). Set the data root
# with --cfg-options test_dataloader.dataset.data_root=DIR
_base_ = [
    './stark_st_tiny.py',
    '../../../configs/_base_/datasets/got10k_val.py',
    '../../../configs/_base_/default_runtime.py',
]
test_cfg = dict(type='SOTTestLoop')
test_dataloader = dict(dataset=dict(data_root='data/synthetic'))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
