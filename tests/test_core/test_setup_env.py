"""Importing the package changes nothing in mmengine; register_all_modules
(the entry every tool calls) installs the checkpoint loader."""
import subprocess
import sys

CODE = '''
from mmengine.runner.checkpoint import CheckpointLoader
import stark_plugin
import stark_plugin.checkpoint
import stark_plugin.apis
from stark_plugin.checkpoint.formats import load_for_runner
print(CheckpointLoader._schemes[''] is load_for_runner)
from stark_plugin.setup_env import register_all_modules
register_all_modules()
print(CheckpointLoader._schemes[''] is load_for_runner)
'''


def test_import_alone_leaves_mmengine_loader_alone():
    proc = subprocess.run([sys.executable, '-c', CODE], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ['False', 'True']
