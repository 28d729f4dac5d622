"""File formats: one reader and one writer per format (annotations, frame
folders, videos, result files) and atomic writes."""
from .annotations import (parse_box_line, parse_resolution, read_boxes,
                          read_first_box, read_flag_line, read_ini,
                          read_label_column, read_name_list, read_text_lines,
                          read_times)
from .atomic import (AtomicOutput, atomic_path, atomic_write_json,
                     atomic_write_text, check_output_path, partial_path)
from .layouts import (lasot_sequence_dir, read_got10k_labels,
                      read_got10k_meta, read_lasot_flags)
from .frames import (IMAGE_EXTENSIONS, check_files_exist, list_frames,
                     natural_key, read_frame)
from .results import (TrackerResult, TxtOutput, find_result_file,
                      format_boxes, list_result_sequences,
                      load_tracker_results, read_raw_result, write_boxes,
                      write_raw_result)
from .video import (CaptureSource, FolderSource, FrameSource, VideoOutput,
                    open_source)

__all__ = [
    'parse_box_line', 'parse_resolution', 'read_ini', 'read_boxes',
    'read_first_box', 'read_flag_line',
    'read_label_column', 'read_name_list', 'read_text_lines', 'read_times',
    'AtomicOutput', 'atomic_path', 'atomic_write_json', 'atomic_write_text',
    'check_output_path', 'partial_path', 'lasot_sequence_dir',
    'read_got10k_labels', 'read_got10k_meta', 'read_lasot_flags',
    'IMAGE_EXTENSIONS', 'check_files_exist', 'list_frames', 'natural_key',
    'read_frame', 'TrackerResult', 'TxtOutput', 'find_result_file',
    'format_boxes', 'list_result_sequences', 'load_tracker_results',
    'read_raw_result', 'write_boxes', 'write_raw_result', 'CaptureSource',
    'FolderSource', 'FrameSource', 'VideoOutput', 'open_source'
]
