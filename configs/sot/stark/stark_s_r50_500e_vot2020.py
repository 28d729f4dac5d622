# STARK-S50 (one template, no score head); test settings for VOT2020
# short-term (anchor-based, EAO [115, 755]): the test part of
# ../../_base_/datasets/vot2020.py on top of the LaSOT config (the same
# checkpoint; search 320 px / factor 5, template 128 px / factor 2).
_base_ = ['./stark_s_r50_500e_lasot.py']

test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='VOTDataset',
        data_root='data/vot2020/',
        challenge='vot2020',
        test_mode=True,
        pipeline=[]))
# the toolkit's vot2020 'baseline' (multistart) experiment; STARK reports
# its box as a mask, as the official VOT2020 entry
# (lib/test/vot20/stark_vot20.py) does (the official EAO 0.462 used masks
# from Alpha-Refine, which this package does not include)
test_evaluator = dict(
    _delete_=True, type='VOTMetric', stack='vot2020', experiment='baseline',
    protocol='vot-multistart')
# results: WORK_DIR/vot_results/stark_s50/baseline/<seq>/ (the vot-toolkit
# layout; add test_cfg.results_binary=True for .bin files)
test_cfg = dict(
    _delete_=True, type='VOTTestLoop', tracker_name='stark_s50',
    report_masks=True)
