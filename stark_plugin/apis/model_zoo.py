"""The bundled default model, its sample clip, and configs for checkpoints.

The package ships a small STARK-ST trained by ``tools/train.py`` on
generated videos (``stark_plugin/assets``, model card in
``stark_plugin/assets/MODEL_CARD.md``). It shows the machinery working on
any machine without a download; it is not a benchmark model.
"""
import os.path as osp
from typing import List, Optional, Tuple

from mmengine.config import Config
from mmengine.logging import print_log

from ..checkpoint.formats import StarkCheckpoint
from ..checkpoint.stored_config import parse_stored_config
from ..errors import NoConfigError

PACKAGE_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
ASSETS = osp.join(PACKAGE_ROOT, 'assets')
#: the bundled default model (weights + the config it was trained with).
DEFAULT_CHECKPOINT = osp.join(ASSETS, 'stark_st_tiny_synth_rich.pth')
#: the bundled sample clip and its first-frame box (``x,y,w,h``).
SAMPLE_CLIP = osp.join(ASSETS, 'sample_clip.mp4')
SAMPLE_CLIP_BOX = osp.join(ASSETS, 'sample_clip_init_box.txt')

#: shipped config for each published model (official / mmtracking files
#: carry no config); the LaSOT settings suit arbitrary, long videos.
CONFIG_FOR_MODEL = {
    'STARK-S50': 'stark_s_r50_500e_lasot.py',
    'STARK-ST50': 'stark_st2_r50_50e_lasot.py',
    'STARK-ST101': 'stark_st2_r101_50e_lasot.py',
    'STARK-Lightning': 'stark_lightning_x_trt_lasot.py',
}


def configs_dir() -> Optional[str]:
    """``configs/sot/stark`` of the source checkout, if there is one."""
    path = osp.join(osp.dirname(PACKAGE_ROOT), 'configs', 'sot', 'stark')
    return path if osp.isdir(path) else None


def sample_clip() -> Tuple[str, List[float]]:
    """Path of the bundled clip and its first-frame box ``[x, y, w, h]``."""
    with open(SAMPLE_CLIP_BOX) as f:
        box = [float(v) for v in f.read().replace(',', ' ').split()]
    if len(box) != 4:
        raise ValueError(f'{SAMPLE_CLIP_BOX}: expected x,y,w,h, got {box}')
    return SAMPLE_CLIP, box


def config_for_checkpoint(ckpt: StarkCheckpoint, path: str,
                          trust_config: bool = False) -> Config:
    """The config a checkpoint was made for.

    Runner checkpoints (and the bundled model) carry the config they were
    trained with in ``meta['cfg']``, read as data only
    (:func:`~stark_plugin.checkpoint.parse_stored_config`; run as Python
    with ``trust_config``); official and mmtracking checkpoints get the
    shipped config of their model (:data:`CONFIG_FOR_MODEL`).

    Raises:
        NoConfigError: no config can be told; pass one explicitly.
        UntrustedConfigError: the stored config holds code.
    """
    text = ckpt.meta.get('cfg')
    if isinstance(text, str) and 'model' in text:
        print_log(f'{path}: using the config stored in the checkpoint',
                  logger='current')
        return parse_stored_config(text, path, trust=trust_config)
    name = ckpt.model_name()
    shipped = CONFIG_FOR_MODEL.get(name)
    folder = configs_dir()
    if shipped is None or folder is None:
        where = ('no shipped config for this model' if shipped is None else
                 'the configs/ folder of a source checkout is not there')
        raise NoConfigError(f'{path} holds {name} weights and no config '
                            f'({where}): pass the config explicitly')
    config = osp.join(folder, shipped)
    print_log(f'{path}: {name} weights, using {config}', logger='current')
    return Config.fromfile(config)
