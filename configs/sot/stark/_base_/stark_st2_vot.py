# STARK-ST stage 2 (score head only, 50 epochs, from a stage-1 checkpoint)
# tested on VOT: what the stark_st2_*_vot*.py configs share. Training as
# in the stark_st2_*_lasot.py configs (the same checkpoint); testing with
# VOTTestLoop, results in WORK_DIR/vot_results/<tracker_name>/<experiment>/
# <seq>/ (the vot-toolkit layout; add test_cfg.results_binary=True for .bin
# files). The model base, the tracker name, the challenge's dataset base and
# the official update interval come from the configs that inherit this one.
_base_ = [
    '../../../_base_/datasets/stark_mix_st2.py',
    '../../../_base_/schedules/stark_st2_50e.py',
    '../../../_base_/default_runtime.py',
]
default_hooks = dict(checkpoint=dict(interval=10))
test_cfg = dict(type='VOTTestLoop')
