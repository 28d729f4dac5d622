# stark_st2_tiny_synth with a hook that SIGKILLs the run at the iteration
# given by $STARK_TEST_KILL_AT_ITER (resume tests; needs tests/data/toy on
# PYTHONPATH).
_base_ = ['../../../configs/sot/stark/stark_st2_tiny_synth.py']
custom_imports = dict(imports=['kill_hook'], allow_failed_imports=False)
custom_hooks = [*_base_.custom_hooks, dict(type='KillAtIterHook')]
