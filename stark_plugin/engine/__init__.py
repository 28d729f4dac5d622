from .raw_results import atomic_write_text, read_raw_result, write_raw_result
from .sot_test_loop import SOTTestLoop

__all__ = [
    'SOTTestLoop', 'atomic_write_text', 'read_raw_result', 'write_raw_result'
]
