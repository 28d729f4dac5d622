# VOT2020 long-term (VOT-LT2020, 50 sequences)
# One pass per sequence with the tracker's confidence on every frame;
# tracking precision / recall / F-score over the confidence threshold.
# Layouts and the data root: see vot.py
_base_ = ['./vot.py']
data_root = 'data/votlt2020/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, challenge='votlt2020'))

# the experiment of vot-toolkit's `votlt2020` stack: 'longterm' (one pass;
# its 'redetection' experiment is not supported)
test_evaluator = dict(
    type='VOTMetric', stack='votlt2020', experiment='longterm',
    protocol='vot-longterm')
