# VOT2018 short-term (VOT-ST2018, 60 sequences)
# Reset-based (supervised) experiment: failure at overlap 0, re-initialised
# 5 frames later; EAO interval [100, 356] (the toolkit's vot2018 stack).
# Layouts and the data root: see vot.py
_base_ = ['./vot.py']
data_root = 'data/vot2018/'
test_dataloader = dict(dataset=dict(data_root=data_root, challenge='vot2018'))

# the experiment of vot-toolkit's `vot2018` stack: 'baseline' (supervised,
# 15 repetitions with the toolkit's early stop after 3 equal runs)
test_evaluator = dict(
    type='VOTMetric', stack='vot2018', experiment='baseline',
    protocol='vot-supervised')
