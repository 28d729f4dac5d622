# STARK-ST50 stage 1 (box head, 500 epochs); test settings for got10k.
_base_ = [
    '../../_base_/models/stark_st_r50.py',
    '../../_base_/datasets/got10k_stark_st1.py',
    '../../_base_/datasets/got10k_test.py',
    '../../_base_/schedules/stark_st1_500e.py',
    '../../_base_/default_runtime.py',
]
model = dict(
    train_cfg=dict(stage='st1'), test_cfg=dict(update_intervals=[200]))

# ---- training: GOT-10k train (full), 500 epochs of 60000 samples,
# batch 16 per GPU x 8 GPUs (published schedule)
# roots: --cfg-options train_dataloader.dataset.data_root=DIR
#        test_dataloader.dataset.data_root=DIR
default_hooks = dict(checkpoint=dict(interval=50))

# ---- testing: got10k_test with the benchmark's own protocol
test_cfg = dict(type='SOTTestLoop')
