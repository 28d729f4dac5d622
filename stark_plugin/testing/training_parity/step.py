"""One recorded training step, replayed and compared.

``model.train_step`` with the ``OptimWrapper`` mmengine builds from the
config's ``optim_wrapper`` (AdamW, parameter groups, clipping), on the
model of :mod:`.model`, against the official step's losses, outputs,
gradients, parameter updates and BatchNorm statistics.
"""
import copy
from typing import Dict

import numpy as np
import torch
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper

from ...checkpoint.converters import official_key_to_plugin
from .fixture import FixtureError
from .model import StepRecorder, active_dropout, build_model
from .report import Report, max_abs, rel


def run_step(report: Report, name: str, info: dict, arrays: dict,
             config: str, state_dict: Dict[str, torch.Tensor],
             batch: dict, stage: str, mkldnn: bool = False) -> None:
    """Rows of step ``name`` (stage ``'st1'`` or ``'st2'``), run with
    oneDNN CPU kernels only when ``mkldnn``."""
    with torch.backends.mkldnn.flags(enabled=mkldnn):
        _run_step(report, name, info, arrays, config, state_dict, batch,
                  stage)


def _run_step(report: Report, name: str, info: dict, arrays: dict,
              config: str, state_dict: Dict[str, torch.Tensor],
              batch: dict, stage: str) -> None:
    cfg, model, options = build_model(config, state_dict,
                                      info.get('head_bn', 'train'))
    tag = f'{name}:'
    report.add(f'{tag} dropout modules left active after {len(options)} '
               f'config overrides', active_dropout(model), 0)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    names = {n: official_key_to_plugin(n) for n in info['updates']}
    params = dict(model.named_parameters())
    missing = [n for n in names.values() if n not in params]
    if missing:
        raise FixtureError(f'{name}: official parameters without a '
                           f'counterpart: {missing[:5]}')
    official_keys = {official_key_to_plugin(k) for k in state_dict}
    report.equal(f'{tag} parameters without an official counterpart',
                 sorted(set(params) - official_keys), [])
    check_optimizer(report, tag, info, optim_wrapper, names, params)

    batch = copy.deepcopy(batch)
    if stage == 'st2':
        labels = np.asarray(arrays['label'], np.float32).reshape(-1)
        for sample, label in zip(batch['data_samples'], labels):
            sample.gt_label = torch.tensor([float(label)])
    before = {n: p.detach().clone() for n, p in params.items()}
    buffers_before = {n: b.detach().clone()
                      for n, b in model.named_buffers()}
    recorder = StepRecorder(model)
    log_vars = model.train_step(batch, optim_wrapper)
    recorder.remove()
    total_norm = MessageHub.get_current_instance().get_scalar(
        'train/grad_norm').current()
    out = recorder.outputs
    check_outputs(report, tag, info, arrays, log_vars, out, stage)
    report.add(f'{tag} gradient clipping total norm (relative)',
               rel(total_norm, info['grad_clip']['total_norm_before']),
               1e-3)
    check_grads(report, tag, info, arrays, recorder.grads, names,
                info['grad_clip']['total_norm_before'])
    check_updates(report, tag, info, arrays, before, params, names,
                  optim_wrapper)
    check_buffers(report, tag, info, arrays, buffers_before, model, stage)


def check_optimizer(report, tag, info, optim_wrapper, names, params):
    """Rows: the optimizer type and each parameter's group settings."""
    group_of = {}
    for group in optim_wrapper.optimizer.param_groups:
        for p in group['params']:
            group_of[id(p)] = group
    bad = checked = 0
    official = info['optimizer']['param_groups']
    reached = {n for n, g in info['grads'].items()
               if g.get('grad_l2') is not None}
    for g in official:
        for n in g['param_names']:
            if n not in reached:  # never updated (stage 1's score head)
                continue
            checked += 1
            ours = group_of.get(id(params[names[n]]))
            if ours is None or not all(
                    np.isclose(float(ours[k]), float(g[k]), rtol=1e-9)
                    for k in ('lr', 'weight_decay', 'eps')) or tuple(
                        ours['betas']) != tuple(g['betas']):
                bad += 1
    report.add(f'{tag} optimizer: lr, weight decay, betas, eps of each '
               f'parameter with a gradient ({checked})', bad, 0,
               bad == 0 and checked > 0)
    report.equal(f'{tag} optimizer type',
                 type(optim_wrapper.optimizer).__name__,
                 info['optimizer'].get('class', 'AdamW'))


def check_outputs(report, tag, info, arrays, log_vars, out, stage):
    """Rows: the losses and the head outputs of the step."""
    lv = {k: float(torch.as_tensor(v).detach()) for k, v in log_vars.items()}
    if stage == 'st1':
        w = info['loss_weight']
        report.add(f'{tag} loss total (relative)',
                   rel(lv['loss'], info['loss_total']), 1e-5)
        report.add(f'{tag} L1 loss x weight (relative)',
                   rel(lv['loss_bbox'], w['l1'] * info['loss_l1']), 1e-5)
        giou = w['giou'] * info['loss_giou']
        report.add(f'{tag} GIoU loss x weight',
                   abs(lv['loss_iou'] - giou) / max(abs(giou), 1.0), 1e-5)
        report.add(f'{tag} mean IoU (logged)',
                   abs(lv['iou'] - info['status']['IoU']), 1e-5)
        boxes = out['pred_boxes']
        report.add(f'{tag} pred_boxes', max_abs(boxes.numpy(),
                                                arrays['pred_boxes']), 1e-5)
        degenerate = [i for i, b in enumerate(boxes.reshape(-1, 4))
                      if b[2] < 0 or b[3] < 0]
        path = info['giou_path']
        report.equal(f'{tag} GIoU fallback taken, degenerate boxes',
                     [lv['loss_iou'] != 0 or not degenerate, degenerate],
                     [path['computed'], path['degenerate_pred_boxes']])
    else:
        report.add(f'{tag} BCE loss (relative)',
                   rel(lv['loss_cls'], info['loss']), 1e-5)
        report.add(f'{tag} total loss (relative)',
                   rel(lv['loss'], info['loss']), 1e-5)
        report.add(f'{tag} pred_logits', max_abs(
            out['pred_logits'].numpy(), arrays['pred_logits']), 1e-4)
    report.add(f'{tag} decoder output hs', max_abs(out['hs'].numpy(),
                                                   arrays['hs']), 1e-4)


def _is_head(official_name: str) -> bool:
    return official_name.startswith(('box_head.', 'cls_head.'))


def check_grads(report, tag, info, arrays, grads, names, total):
    """Rows: which parameters got a gradient, and the gradients."""
    with_grad = sorted(n for n, g in info['grads'].items()
                       if g.get('grad_l2') is not None)
    ours_with_grad = sorted(n for n in names if names[n] in grads)
    report.equal(f'{tag} parameters with a gradient ({len(with_grad)})',
                 ours_with_grad, with_grad)
    worst_rel, worst_name, tiny_worst = 0.0, '', 0.0
    for n in with_grad:
        ref = info['grads'][n]['grad_l2']
        g = grads.get(names[n])
        if g is None:
            continue
        ours = float(g.double().norm())
        if ref < 1e-6 * total:  # mathematically zero: compare as tiny
            tiny_worst = max(tiny_worst, ours / total)
            continue
        r = rel(ours, ref)
        if r > worst_rel:
            worst_rel, worst_name = r, n
    report.add(f'{tag} grad_l2 of every parameter (relative; worst '
               f'{worst_name or "-"})', worst_rel, 1e-2)
    report.add(f'{tag} zero gradients stay tiny (grad_l2 / total norm)',
               tiny_worst, 1e-6)
    for head in (True, False):
        worst, worst_name = 0.0, '-'
        keys = [k[5:] for k in arrays if k.startswith('grad/')
                and _is_head(k[5:]) == head]
        for n in keys:
            ref = arrays['grad/' + n]
            g = grads.get(names[n])
            err = float('inf') if g is None else max_abs(
                g.numpy(), ref) / max(float(np.abs(ref).max()), 1e-30)
            if err >= worst:
                worst, worst_name = err, n
        if keys:
            part = 'head' if head else 'other'
            report.add(f'{tag} full gradients, {part} tensors ({len(keys)}; '
                       f'worst {worst_name}) / max|g|', worst,
                       1e-3 if head else 1e-2)


def check_updates(report, tag, info, arrays, before, params, names,
                  optim_wrapper):
    """Rows: the parameter updates of the optimizer step."""
    lr_of = {}
    for group in optim_wrapper.optimizer.param_groups:
        for p in group['params']:
            lr_of[id(p)] = float(group['lr'])
    worst, worst_name = 0.0, '-'
    changed_ours, changed_ref = [], []
    for n, upd in info['updates'].items():
        ours_name = names[n]
        delta = (params[ours_name].detach().double() -
                 before[ours_name].double())
        if upd.get('changed_elements', 0) > 0:
            changed_ref.append(n)
        if bool((delta != 0).any()):
            changed_ours.append(n)
        lr = lr_of.get(id(params[ours_name]), 0.0)
        err = abs(float(delta.norm()) - upd['update_l2'])
        scaled = err / lr if lr else (0.0 if err == 0 else float('inf'))
        if scaled >= worst:
            worst, worst_name = scaled, n
    report.add(f'{tag} update_l2 of every parameter, in units of its lr '
               f'(worst {worst_name})', worst, 0.5)
    report.equal(f'{tag} parameters changed by the step '
                 f'({len(changed_ref)})', sorted(changed_ours),
                 sorted(changed_ref))
    # parameters outside the official update table (stage 2 lists only the
    # score head): the official step left them unchanged
    frozen_changed = sorted(
        n for n in params if n not in names.values()
        and not torch.equal(params[n].detach(), before[n]))
    report.equal(f'{tag} parameters outside the update table changed',
                 frozen_changed, sorted(
                     official_key_to_plugin(n)
                     for n in info.get('frozen_parameters_changed', [])))
    big_err = small_err = 0.0
    for key in arrays:
        if not key.startswith('param_after/'):
            continue
        n = key[len('param_after/'):]
        ours = params[names[n]].detach().numpy()
        ref = arrays[key]
        g = arrays.get('grad/' + n)
        lr = lr_of.get(id(params[names[n]]), 0.0)
        if g is None:
            big_err = max(big_err, max_abs(ours, ref))
            continue
        big = np.abs(g) >= 0.01 * np.abs(g).max()
        diff = np.abs(ours.astype(np.float64) - ref)
        big_err = max(big_err, float(diff[big].max()) if big.any() else 0)
        if (~big).any():
            small_err = max(small_err, float(diff[~big].max()) / (2 * lr))
    report.add(f'{tag} parameters after AdamW where |g| >= 1% max|g|',
               big_err, 1e-6)
    report.add(f'{tag} parameters after AdamW elsewhere, in units of 2 lr',
               small_err, 1.0)


def check_buffers(report, tag, info, arrays, buffers_before, model, stage):
    """Rows: the corner head's BatchNorm statistics after the step (and
    no buffer change in stage 2)."""
    buffers = dict(model.named_buffers())
    err, count_bad = 0.0, 0
    keys = [k for k in arrays if k.startswith('bn_after/')]
    for key in keys:
        n = key[len('bn_after/'):]
        err = max(err, max_abs(buffers[official_key_to_plugin(n)].numpy(),
                               arrays[key]))
    stats = info.get('box_head_bn_after_forward', {})
    for n, value in stats.items():
        if n.endswith('num_batches_tracked'):
            count_bad += int(int(buffers[official_key_to_plugin(n)]) !=
                             int(value))
    if keys:
        report.add(f'{tag} corner-head BatchNorm running statistics',
                   err, 1e-4)
        report.add(f'{tag} corner-head BatchNorm num_batches_tracked',
                   count_bad, 0)
    if stage == 'st2':
        changed = [n for n, b in buffers.items() if n in buffers_before
                   and not torch.equal(b, buffers_before[n])]
        report.equal(f'{tag} buffers changed (box head not run)', changed,
                     [])

