"""The official training settings (``facts.json``) against the shipped
configs."""
import os.path as osp
from typing import Dict

from mmengine.config import Config

from ..paths import CONFIG_DIR
from .model import dropout_entries
from .report import Report

#: configs that train on the official dataset mix (facts: datasets, ratios)
MIX_CONFIGS = dict(
    st1=osp.join(CONFIG_DIR, 'stark_st1_r50_500e_lasot.py'),
    st2=osp.join(CONFIG_DIR, 'stark_st2_r50_50e_lasot.py'))
#: official dataset names -> (our dataset type, split)
OFFICIAL_DATASETS = {
    'LASOT': ('LaSOTDataset', 'train'),
    'GOT10K_vottrain': ('GOT10kDataset', 'vot_train'),
    'GOT10K_train_full': ('GOT10kDataset', 'train'),
    'COCO17': ('SOTCocoDataset', 'train'),
    'TRACKINGNET': ('TrackingNetDataset', 'train'),
}


def check_facts(report: Report, facts: dict, configs: Dict[str, str]) -> None:
    """Rows comparing each stage's config (``configs[stage]``) with the
    official settings of that stage in ``facts``."""
    for stage in ('st1', 'st2'):
        if stage not in facts:
            continue
        f = {k: v['value'] for k, v in facts[stage].items()}
        cfg = Config.fromfile(configs[stage])
        tag = f'settings {stage}:'
        _check_optimization(report, tag, stage, f, cfg)
        _check_data(report, tag, stage, f, cfg)


def _check_optimization(report: Report, tag: str, stage: str, f: dict,
                        cfg: Config) -> None:
    """Optimizer, schedule, batch, losses and what is trained."""
    opt = cfg.optim_wrapper
    report.equal(f'{tag} optimizer, lr, weight decay', [
        opt.optimizer.type.upper(), opt.optimizer.lr,
        opt.optimizer.weight_decay
    ], [f['optimizer'].upper(), f['lr'], f['weight_decay']])
    mult = opt.get('paramwise_cfg', {}).get('custom_keys', {}).get(
        'backbone', {}).get('lr_mult', 1.0)
    report.equal(f'{tag} backbone lr multiplier', mult,
                 f['backbone_multiplier'])
    report.equal(f'{tag} gradient clipping max norm',
                 opt.get('clip_grad', {}).get('max_norm'),
                 f['grad_clip_norm'])
    sched = cfg.param_scheduler[0]
    report.equal(f'{tag} epochs, lr drop epoch, gamma', [
        cfg.train_cfg.max_epochs, list(sched.milestones), sched.gamma
    ], [f['epoch'], [f['lr_drop_epoch']], f['scheduler_decay_rate']])
    loader = cfg.train_dataloader
    report.equal(f'{tag} batch size, samples per epoch, drop_last', [
        loader.batch_size, loader.sampler.samples_per_epoch,
        loader.get('drop_last', False)
    ], [f['batch_size'], f['sample_per_epoch'], True])
    head = cfg.model.head
    if stage == 'st1':
        report.equal(f'{tag} loss weights GIoU, L1', [
            head.loss_iou.loss_weight, head.loss_bbox.loss_weight
        ], [f['giou_weight'], f['l1_weight']])
    else:
        report.equal(f'{tag} score loss: sigmoid BCE, weight 1', [
            head.loss_cls.type, head.loss_cls.use_sigmoid,
            head.loss_cls.loss_weight
        ], ['mmdet.CrossEntropyLoss', True, 1.0])
    trains_cls = cfg.model.train_cfg.get('stage') == 'st2'
    report.equal(f'{tag} trains the score head only (TRAIN_CLS)',
                 trains_cls, bool(f['train_cls']))
    report.equal(f'{tag} frozen modules in train mode (dropout on)',
                 cfg.model.train_cfg.get('frozen_eval', False), False)


def _check_data(report: Report, tag: str, stage: str, f: dict,
                cfg: Config) -> None:
    """Sampling, crops, normalization, dropout and the dataset mix."""
    pipe = cfg.train_dataloader.dataset.pipeline
    sampler = pipe[0]
    report.equal(f'{tag} sampler mode, max interval, templates', [
        sampler.get('mode', 'trident_pro'),
        list(sampler.get('max_frame_range', [])),
        sampler.get('num_template_frames')
    ], [f['sampler_mode'], list(f['max_sample_interval']),
        f['template']['NUMBER']])
    if stage == 'st2':
        report.equal(f'{tag} positive probability', sampler.get(
            'cls_pos_prob'), 0.5)
    crop = next(t for t in pipe if t.type == 'SeqCropLikeStark')
    jit = next(t for t in pipe if t.type == 'SeqBboxJitter')
    for mode, key in (('template', 'template'), ('search', 'search')):
        ref = f[key]
        report.equal(f'{tag} {mode} factor, size, jitter', [
            crop[f'{mode}_factor'], crop[f'{mode}_size'],
            jit[f'{mode}_center'], jit[f'{mode}_scale']
        ], [ref['FACTOR'], ref['SIZE'], ref['CENTER_JITTER'],
            ref['SCALE_JITTER']])
    pre = cfg.model.data_preprocessor
    report.equal(f'{tag} mean, std', [list(pre.mean), list(pre.std)],
                 [f['mean'], f['std']])
    # attention, residual and FFN dropout (the output projection has
    # none in STARK: proj_drop stays 0)
    rates = {value for _, key, value in dropout_entries(
        cfg.model.head.transformer.to_dict()) if key != 'proj_drop'}
    report.equal(f'{tag} transformer dropout', sorted(rates),
                 [f['model_dropout']])
    mix = Config.fromfile(MIX_CONFIGS[stage])
    ds = mix.train_dataloader.dataset
    ours = [(d.type, d.split) for d in ds.datasets]
    official = [OFFICIAL_DATASETS.get(n, (n, '?'))
                for n in f['train_datasets']]
    report.equal(
        f'{tag} datasets and ratios ({osp.basename(MIX_CONFIGS[stage])})',
        [ours, [float(w) for w in ds.weights]],
        [official, [float(w) for w in f['train_datasets_ratio']]])

