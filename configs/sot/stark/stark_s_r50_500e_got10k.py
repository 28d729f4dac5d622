# STARK-S50 (one template, no score head); test settings for got10k.
_base_ = [
    '../../_base_/models/stark_s_r50.py',
    '../../_base_/datasets/got10k_stark_st1.py',
    '../../_base_/datasets/got10k_test.py',
    '../../_base_/schedules/stark_st1_500e.py',
    '../../_base_/default_runtime.py',
]

# ---- training: GOT-10k train (full), 500 epochs of 60000 samples,
# batch 16 per GPU x 8 GPUs (published schedule)

# STARK-S trains with one template (no dynamic template)
train_pipeline = _base_.train_pipeline
train_pipeline[0] = dict(  # official STARK-S: 'causal' sampling
    type='CausalSampling', num_template_frames=1, max_gap=200)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# roots: --cfg-options train_dataloader.dataset.data_root=DIR
#        test_dataloader.dataset.data_root=DIR
default_hooks = dict(checkpoint=dict(interval=50))

# ---- testing: got10k_test with the benchmark's own protocol
test_cfg = dict(type='SOTTestLoop')
