# STARK-S50 (one template, no score head); test settings for got10k.
_base_ = [
    '../../_base_/models/stark_s_r50.py', '../../_base_/default_runtime.py'
]
