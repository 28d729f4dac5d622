# stark_st1_tiny_synth with a hook recording the samples of each rank
# (distributed training tests; needs tests/data/toy on PYTHONPATH).
_base_ = ['../../../configs/sot/stark/stark_st1_tiny_synth.py']
custom_imports = dict(imports=['record_samples_hook'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='RecordSamplesHook')]
