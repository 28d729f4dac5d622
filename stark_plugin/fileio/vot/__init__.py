"""VOT folder formats: regions and trajectory files (:mod:`.regions`),
per-frame tag and value files (:mod:`.values`), sequence folders and
``list.txt`` (:mod:`.sequences`) and the rest of a vot-toolkit workspace:
result folders, stacks, ``trackers.ini``, ``config.yaml``
(:mod:`.workspace`)."""
from .regions import (VOTMask, VOTRegion, format_region, mask_from_box,
                      parse_region, read_trajectory, region_box, text_lines,
                      write_trajectory)
from .sequences import (VOTSequenceFolder, check_sequence_folders,
                        color_frame_pattern, find_sequence_list, read_dataset,
                        read_sequence, read_sequence_list,
                        write_sequence_list, write_sequence_properties)
from .values import (read_frame_values, read_values, write_frame_values,
                     write_values)
from .workspace import (anchor_stem, existing_trajectory, read_anchor_runs,
                        read_experiment_runs, read_run_values, read_runs,
                        read_stack, read_workspace_config, run_stem,
                        trajectory_path, write_tracker_entry,
                        write_workspace_config)

__all__ = [
    'VOTMask', 'VOTRegion', 'format_region', 'mask_from_box', 'parse_region',
    'read_trajectory', 'region_box', 'text_lines', 'write_trajectory',
    'VOTSequenceFolder', 'check_sequence_folders', 'color_frame_pattern',
    'find_sequence_list', 'read_dataset', 'read_sequence',
    'read_sequence_list', 'write_sequence_list', 'write_sequence_properties',
    'read_frame_values', 'read_values', 'write_frame_values', 'write_values',
    'anchor_stem', 'existing_trajectory', 'read_anchor_runs',
    'read_experiment_runs', 'read_run_values', 'read_runs', 'read_stack',
    'read_workspace_config', 'run_stem', 'trajectory_path',
    'write_tracker_entry', 'write_workspace_config'
]
