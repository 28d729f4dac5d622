# STARK-ST50 stage 2 (score head only, 50 epochs, from a stage-1
# checkpoint); test settings for VOT2018 (reset-based, EAO [100, 356]):
# the toolkit's vot2018 'baseline' (supervised) experiment; its 15
# repetitions stop after 3 equal runs, as in the toolkit
# (test_cfg.repetitions=1 runs once: STARK is deterministic).
# Training, loop and results folder: _base_/stark_st2_vot.py
_base_ = [
    './_base_/stark_st2_r50_vot.py', '../../_base_/datasets/vot2018.py'
]
# the official code has no VOT2018 entry: its tracker then takes
# DATA.MAX_SAMPLE_INTERVAL ([200]) of experiments/stark_st2/baseline.yaml
# (search 320 px / factor 5, template 128 px / factor 2)
model = dict(test_cfg=dict(update_intervals=[200]))
