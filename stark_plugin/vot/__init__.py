"""STARK in the VOT toolkit: a TraX tracker (``python -m stark_plugin.vot``)
and a workspace writer (``python -m stark_plugin.vot workspace``).

vot-trax (``requirements/vot.txt``) is needed only to serve the toolkit; it
is imported when the server starts. See ``docs/vot.md``.
"""
from .regions import (MASK, POLYGON, RECTANGLE, box_from_region,
                      region_kind, reply_region)
from .server import (from_trax_region, import_trax, serve, to_trax_region,
                     tracker_main)
from .session import TrackingSession, build_inferencer
from .settings import (ENV_PREFIX, TrackerSettings, build_tracker_parser,
                       parse_tracker_settings, resolve_settings)
from .workspace import tracker_entry, workspace_main, write_workspace

__all__ = [
    'RECTANGLE', 'POLYGON', 'MASK', 'box_from_region', 'region_kind',
    'reply_region', 'import_trax', 'from_trax_region', 'to_trax_region',
    'serve', 'tracker_main', 'TrackingSession', 'build_inferencer',
    'ENV_PREFIX', 'TrackerSettings', 'build_tracker_parser',
    'parse_tracker_settings', 'resolve_settings', 'tracker_entry',
    'workspace_main', 'write_workspace'
]
