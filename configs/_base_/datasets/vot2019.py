# VOT2019 short-term (VOT-ST2019, 60 sequences)
# Reset-based (supervised) experiment: failure at overlap 0, re-initialised
# 5 frames later; EAO interval [46, 291] (the toolkit's vot2019 stack).
# Layouts and the data root: see vot.py
_base_ = ['./vot.py']
data_root = 'data/vot2019/'
test_dataloader = dict(dataset=dict(data_root=data_root, challenge='vot2019'))

# the experiment of vot-toolkit's `vot2019` stack: 'baseline' (supervised,
# 15 repetitions with the toolkit's early stop after 3 equal runs)
test_evaluator = dict(
    type='VOTMetric', stack='vot2019', experiment='baseline',
    protocol='vot-supervised')
