"""Key mapping from published STARK checkpoints to this package's layout."""
from .lightning import (LIGHTNING_RULES,
                        convert_official_lightning_state_dict,
                        describe_lightning_state_dict,
                        is_official_lightning_state_dict)
from .rules import Rule, StateDict, apply_rules, compile_rules, strip_module
from .stark import (MMTRACK_RULES, OFFICIAL_RULES, convert_mmtrack_state_dict,
                    convert_official_state_dict, describe_state_dict,
                    official_key_to_plugin)

__all__ = [
    'LIGHTNING_RULES', 'convert_official_lightning_state_dict',
    'describe_lightning_state_dict', 'is_official_lightning_state_dict',
    'Rule', 'StateDict', 'apply_rules', 'compile_rules', 'strip_module',
    'MMTRACK_RULES', 'OFFICIAL_RULES', 'convert_mmtrack_state_dict',
    'convert_official_state_dict', 'describe_state_dict',
    'official_key_to_plugin'
]
