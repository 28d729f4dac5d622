from .checkpoint import (CorruptCheckpointError, UnsafeCheckpointError,
                         check_checkpoint_file, check_last_checkpoint,
                         install_safe_checkpoint_loader, load_checkpoint_file,
                         trust_checkpoint)
from .setup_env import register_all_modules
from .version_check import DependencyError, check_dependencies

__all__ = [
    'register_all_modules', 'UnsafeCheckpointError', 'trust_checkpoint',
    'CorruptCheckpointError', 'check_checkpoint_file',
    'check_last_checkpoint',
    'load_checkpoint_file', 'install_safe_checkpoint_loader',
    'DependencyError', 'check_dependencies'
]
