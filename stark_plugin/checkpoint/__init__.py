"""Checkpoints: safe loading (pickle allow-list, damage check), format
detection and conversion (official, mmtracking, STARK-Lightning), the
stored config read without running it, and mmengine's loader scheme."""
from .converters import (convert_mmtrack_state_dict,
                         convert_official_lightning_state_dict,
                         convert_official_state_dict, describe_state_dict)
from .formats import (FORMATS, StarkCheckpoint, detect_format,
                      load_for_runner, model_name, read_stark_checkpoint,
                      save_converted)
from .loading import install_checkpoint_loader, load_stark_checkpoint
from .official_unpickler import load_official_checkpoint
from .safe_load import (TRUST_ENV, check_checkpoint_file,
                        check_last_checkpoint, load_checkpoint_file,
                        trust_checkpoint)
from .stored_config import parse_stored_config

__all__ = [
    'convert_mmtrack_state_dict', 'convert_official_lightning_state_dict',
    'convert_official_state_dict', 'describe_state_dict', 'FORMATS',
    'StarkCheckpoint', 'detect_format', 'load_for_runner', 'model_name',
    'read_stark_checkpoint', 'save_converted', 'install_checkpoint_loader',
    'load_stark_checkpoint', 'load_official_checkpoint', 'TRUST_ENV',
    'check_checkpoint_file', 'check_last_checkpoint', 'load_checkpoint_file',
    'trust_checkpoint', 'parse_stored_config'
]
