# STARK-ST101 stage 2 tested on VOT (see stark_st2_vot.py)
_base_ = ['../../../_base_/models/stark_st_r101.py', './stark_st2_vot.py']
model = dict(backbone=dict(init_cfg=None), train_cfg=dict(stage='st2'))
test_cfg = dict(tracker_name='stark_st101')
