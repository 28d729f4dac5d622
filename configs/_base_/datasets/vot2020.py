# VOT2020 short-term (VOT-ST2020, 60 sequences, mask ground truth)
# Anchor-based (multistart) experiment: one run per anchor of anchor.value,
# forward or backward; EAO interval [115, 755] (the toolkit's vot2020 stack).
# Layouts and the data root: see vot.py
_base_ = ['./vot.py']
data_root = 'data/vot2020/'
test_dataloader = dict(dataset=dict(data_root=data_root, challenge='vot2020'))

# the experiment of vot-toolkit's `vot2020` stack: 'baseline' (multistart)
test_evaluator = dict(
    type='VOTMetric', stack='vot2020', experiment='baseline',
    protocol='vot-multistart')
