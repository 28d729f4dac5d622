"""The tables of a :func:`~stark_plugin.benchmarking.benchmark.benchmark`
report: the headline table of every path, the step's parts, the drift
control, the multi-target step and the roofline table."""
from typing import Dict, List, Optional

HEADER = [
    '| path | init ms | step median ms | step p90 ms | fps | speed-up '
    'vs naive | latency ratio | GFLOP/s | % of peak | mean IoU vs fp32 '
    '(closed / open loop) | max score diff | IoU to truth | peak mem MiB '
    '|',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- '
    '| --- | --- |',
]


def _pct(frac: Optional[float]) -> str:
    return '-' if frac is None else f'{100 * frac:.0f}%'


def _env_line(report: Dict[str, object]) -> str:
    env, settings = report['env'], report['settings']
    line = (f"torch {env['torch']} | threads {env['threads']} | OpenMP "
            f"wait {env.get('openmp_wait', '-')} | device "
            f"{env['device']} | CPU {env['cpu']}" +
            (f" | GPU {env['gpu']}" if 'gpu' in env else '') +
            (f" | onnxruntime {env['onnxruntime']}" if 'onnxruntime' in env
             else ''))
    n = settings.get('background_load')
    if n:
        line += f" | background load {n} busy process{'es' if n > 1 else ''}"
    if settings.get('ort_spinning'):
        line += ' | onnxruntime spinning on'
    return line


def _path_row(name: str, r: Dict[str, object]) -> str:
    """One row of the headline table."""
    d = r.get('drift_vs_fp32')
    iou = score = '-'
    if d:
        ol = d.get('open_loop', {})
        iou = f"{d['mean_iou']:.4f}" + (
            f" / {ol['mean_iou']:.4f}" if ol else '')
        score = f"{d['max_score_diff']:.2e}" + (
            f" / {ol['max_score_diff']:.2e}" if ol else '')
    step = r['step']
    rate = f"{step['gflops']:.1f}" if 'gflops' in step else '-'
    return (
        f"| {name} | {r['init']['median_ms']:.1f} | "
        f"{step['median_ms']:.1f} | {step['p90_ms']:.1f} | "
        f"{step['fps']:.1f} | "
        f"{r.get('speedup_vs_naive', float('nan')):.2f}x | "
        f"{r.get('latency_ratio_vs_naive', float('nan')):.2f} | {rate} | "
        f"{_pct(step.get('peak_fraction'))} | {iou} | "
        f"{score} | {r.get('iou_to_truth', float('nan')):.3f} | "
        f"{r['peak_mem_mb']:.0f} |")


def _notes(report: Dict[str, object]) -> List[str]:
    """The lines of the parts, the drift control and the multi-target
    step."""
    lines = ['', 'parts (median ms):']
    for name, r in report['results'].items():
        lines.append(f'  {name}: ' + ', '.join(
            f"{k} {v['median_ms']:.1f}" for k, v in r['parts'].items()))
    control = report.get('drift_control')
    if control:
        lines.append(
            f"  drift control: {control['reference']} started from the "
            f"first box moved by {control['shift_px']:g} px: closed-loop "
            f"mean IoU to itself {control['mean_iou']:.4f} (min "
            f"{control['min_iou']:.4f}); a backend's closed-loop drift near "
            "this is the tracker's own sensitivity, not numerics")
    for name, m in report['multi_target'].items():
        lines.append(
            f"  {name} x{m['targets']} targets: step "
            f"{m['step']['median_ms']:.1f} ms = {m['ratio_vs_single']:.2f}x "
            f"the single-target step ({m['single_step_ms']:.1f} ms, "
            f"alternating with it in blocks), init of all "
            f"{m['init_ms']:.0f} ms, {m['target_fps']:.1f} "
            f"target-frames/s (single {m['single_target_fps']:.1f}, "
            f"batching gain {m['batching_gain']:.2f}x)")
    return lines


def format_table(report: Dict[str, object]) -> str:
    """The headline table of a :func:`benchmark` report (and the roofline
    table when the report has one)."""
    lines = [_env_line(report), ''] + HEADER
    lines += [_path_row(name, r) for name, r in report['results'].items()]
    lines += _notes(report)
    if 'roofline' in report and 'probe' in report['roofline']:
        lines += ['', roofline_table(report)]
    return '\n'.join(lines)


def roofline_table(report: Dict[str, object]) -> str:
    """Counted GFLOP, achieved GFLOP/s and fraction of the probe's peak of
    each part of each path."""
    probe = report['roofline']['probe']
    lines = [
        f"roofline: peak probe with {probe['threads']} threads: fp32 "
        f"matmul {probe['fp32_matmul']:.1f}, bf16 matmul "
        f"{probe['bf16_matmul']:.1f}, fp32 3x3 conv "
        f"{probe['conv3x3_fp32']:.1f} GFLOP/s; % of peak: of the fp32 peak "
        f"({probe['fp32']:.1f}) for fp32 and int8 paths, of the bf16 peak "
        f"({probe['bf16']:.1f}) for bf16",
        '',
        '| path | part | GFLOP (counted) | median ms | GFLOP/s | % of peak |',
        '| --- | --- | --- | --- | --- | --- |',
    ]
    for name, r in report['results'].items():
        rows = [(k, v) for k, v in r['parts'].items() if 'gflop' in v]
        rows.append(('step', r['step']))
        for part, t in rows:
            if 'gflop' not in t:
                continue
            lines.append(
                f"| {name} | {part} | {t['gflop']:.2f} | "
                f"{t['median_ms']:.1f} | {t['gflops']:.1f} | "
                f"{_pct(t.get('peak_fraction'))} |")
    return '\n'.join(lines)
