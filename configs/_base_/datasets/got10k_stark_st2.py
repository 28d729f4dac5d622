# STARK-ST stage 2 (score head) training data on GOT-10k: as stage 1, plus
# negative search regions with probability 0.5 and the class label.
_base_ = ['./got10k_stark_st1.py']

# the stage-1 pipeline; its first step, the trident sampler, also draws
# negatives
train_pipeline = _base_.train_pipeline
train_pipeline[0].update(cls_pos_prob=0.5)

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
