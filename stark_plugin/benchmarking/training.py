"""Training throughput: the data loader per worker count, the train step.

For one training config (data root pointed at real or generated data) this
measures

* the data loader's samples/s for each number of workers, one epoch of
  ``samples`` per round; rounds alternate between the worker counts
  (w0, w1, w2, w0, ...) so that whatever else runs on the machine hits all
  alike. Loaders keep their workers (persistent) across rounds; an untimed
  first epoch per loader starts the workers (its time is reported as
  ``first_epoch_s``) and fingerprints every batch, so the report says
  whether all worker counts delivered the same samples;
* the train step of the config's model (random weights): seconds per step,
  the fraction of the wall time spent waiting for the next batch with each
  worker count, and the peak memory (CUDA allocator peak, or the main
  process's resident set on CPU).

Optionally with ``background_load`` busy processes running meanwhile
(:mod:`stark_plugin.benchmarking.load`).
"""
import contextlib
import copy
import datetime
import hashlib
import logging
import time
from typing import Callable, Dict, Iterator, List, Optional, Sequence

import cv2
import mmengine
import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner

from stark_plugin.datasets.collate import sot_worker_init
from stark_plugin.datasets.synthetic import make_synthetic_got10k
from stark_plugin.registry import MODELS
from stark_plugin.setup_env import register_all_modules
from stark_plugin.structures.sot_batch import (BATCH_FIELDS,
                                               restore_batch_fields,
                                               unpack_batch)
from .benchmark import PeakMemory, environment, summarize
from .load import background_load, cpu_count

#: label of the loaders with mmengine's default collate and worker init
BASELINE = 'baseline'


def make_data(out_dir: str, videos: int = 8, frames: int = 60,
              size: Sequence[int] = (320, 240), seed: int = 0) -> str:
    """Generated GOT-10k-layout data (train and val splits) in
    ``out_dir``; returns ``out_dir``."""
    make_synthetic_got10k(out_dir, videos, frames, seed=seed,
                          num_val_videos=1, size=tuple(size))
    return out_dir


def load_config(path: str, data_root: Optional[str] = None,
                options: Optional[dict] = None) -> Config:
    """The config with the training data root replaced and ``options``
    merged (``--cfg-options``)."""
    cfg = Config.fromfile(path)
    if data_root is not None:
        dataset = cfg.train_dataloader.dataset
        if 'datasets' in dataset:  # a mix (Lightning, ST on four sets)
            # its GOT-10k member, with its pipeline, reads the data
            got10k = [d for d in dataset.datasets
                      if d.get('type') == 'GOT10kDataset']
            if not got10k:
                raise ValueError(f'{path}: the training mix has no '
                                 'GOT10kDataset to read --data-root with')
            dataset = cfg.train_dataloader.dataset = got10k[0]
            dataset.split = 'train'  # not the official vot_train subset
        dataset.data_root = data_root
    if options:
        cfg.merge_from_dict(options)
    return cfg


def build_loader(cfg: Config, num_workers: int, batch_size: int,
                 samples: int, seed: int = 0, baseline: bool = False
                 ) -> torch.utils.data.DataLoader:
    """The config's training loader with ``num_workers`` workers, batches
    of ``batch_size`` and epochs of ``samples`` samples (persistent
    workers when there are any). ``baseline``: mmengine's defaults
    instead of the config's ``collate_fn`` and ``worker_init_fn``
    (``pseudo_collate``, seeding only), for comparison."""
    register_all_modules()
    dl_cfg = copy.deepcopy(cfg.train_dataloader)
    if baseline:
        dl_cfg.pop('collate_fn', None)
        dl_cfg.pop('worker_init_fn', None)
    dl_cfg.update(num_workers=num_workers, batch_size=batch_size,
                  persistent_workers=num_workers > 0)
    dl_cfg.sampler.update(samples_per_epoch=samples, seed=seed)
    dl_cfg.pop('pin_memory', None)  # no device here
    start = cfg.get('env_cfg', {}).get('mp_cfg', {}).get('mp_start_method')
    if num_workers > 0 and start:
        dl_cfg.setdefault('multiprocessing_context', start)
    return Runner.build_dataloader(dl_cfg, seed=seed)


def batch_digest(batch: dict) -> str:
    """Fingerprint of a batch's samples (pixels, data fields, meta), the
    same for ``pseudo_collate`` and ``sot_collate`` batches (packed or
    not)."""
    batch = unpack_batch(batch)
    inputs = batch['inputs']
    samples = list(batch['data_samples'])
    if batch.get(BATCH_FIELDS):
        samples = restore_batch_fields(
            [s.clone() for s in samples], batch[BATCH_FIELDS])
    digest = hashlib.sha1()
    for i, sample in enumerate(samples):
        for key in sorted(inputs):
            digest.update(np.ascontiguousarray(inputs[key][i]).tobytes())
        for key in sorted(sample.keys()):
            value = sample.get(key)
            digest.update(key.encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        digest.update(repr(sorted(sample.metainfo.items())).encode())
    return digest.hexdigest()


def run_epoch(loader, epoch: int,
              on_batch: Optional[Callable[[dict], None]] = None) -> dict:
    """Iterate one epoch; ``seconds`` from ``iter`` to the last batch,
    ``samples`` delivered and ``cpu_seconds`` of this (the main) process
    meanwhile (with workers: receiving the batches)."""
    loader.sampler.set_epoch(epoch)
    count = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    for batch in loader:
        count += len(batch['data_samples'])
        if on_batch is not None:
            on_batch(batch)
    return dict(seconds=time.perf_counter() - start, samples=count,
                cpu_seconds=time.process_time() - cpu_start)


@contextlib.contextmanager
def runner_process_settings(cfg: Config) -> Iterator[None]:
    """The OpenCV threads of the Runner's main process
    (``env_cfg.mp_cfg.opencv_num_threads``, 0 by default), restored after
    the block, so that the loaders run as in training (the start method
    goes to each loader, :func:`build_loader`)."""
    mp_cfg = cfg.get('env_cfg', {}).get('mp_cfg', {})
    before = cv2.getNumThreads()
    cv2.setNumThreads(mp_cfg.get('opencv_num_threads', 0))
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def loader_rounds(loaders: Dict[str, object], rounds: int,
                  epoch: int = 0, log: Callable[[str], None] = print
                  ) -> Dict[str, dict]:
    """Warm-up epoch (timed apart, fingerprinted) then ``rounds`` timed
    epochs of every loader, alternating between them: samples/s and the
    main process's CPU milliseconds per sample of each round."""
    results: Dict[str, dict] = {}
    for workers, loader in loaders.items():
        digests: List[str] = []
        first = run_epoch(loader, epoch,
                          lambda b: digests.append(batch_digest(b)))
        results[workers] = dict(
            first_epoch_s=first['seconds'], samples=first['samples'],
            digest=hashlib.sha1(''.join(digests).encode()).hexdigest(),
            rates=[], main_cpu_ms_per_sample=[])
        log(f'workers {workers}: first epoch {first["seconds"]:.2f} s')
    for r in range(rounds):
        for workers, loader in loaders.items():
            done = run_epoch(loader, epoch)
            rate = done['samples'] / done['seconds']
            results[workers]['rates'].append(rate)
            results[workers]['main_cpu_ms_per_sample'].append(
                1e3 * done['cpu_seconds'] / done['samples'])
            log(f'round {r + 1}/{rounds} workers {workers}: '
                f'{rate:.1f} samples/s')
    for res in results.values():
        rates, cpu = res['rates'], res['main_cpu_ms_per_sample']
        res['median_samples_per_s'] = float(np.median(rates)) \
            if rates else None
        res['median_main_cpu_ms_per_sample'] = float(np.median(cpu)) \
            if cpu else None
    return results


def _independent_loader(cfg: Config, batch_size: int, samples: int,
                        rounds: int, seed: int, barrier, conn) -> None:
    """One of :func:`independent_loaders`' processes: a warm-up epoch, the
    barrier, then ``rounds`` timed epochs; their rates go to ``conn``."""
    try:
        sot_worker_init(0)  # the threads of a data worker
        loader = build_loader(cfg, 0, batch_size, samples, seed)
        run_epoch(loader, 0)
        rates = []
        for r in range(rounds):
            barrier.wait(timeout=600)
            done = run_epoch(loader, r + 1)
            rates.append(done['samples'] / done['seconds'])
        conn.send(rates)
    except BaseException as err:  # report it instead of hanging the parent
        barrier.abort()
        conn.send(f'{type(err).__name__}: {err}')
    finally:
        conn.close()


def independent_loaders(cfg: Config, processes: int = 2,
                        batch_size: int = 16, samples: int = 256,
                        rounds: int = 3, seed: int = 0) -> dict:
    """``processes`` loaders without workers, each in its own process,
    timed together (each round starts them at once): the rate that many
    workers could reach on this machine with no data-loader overhead at
    all (no queue, no shared memory, no main process), i.e. the ceiling
    that memory bandwidth and shared caches leave. Returns the summed
    samples/s per round and its median."""
    ctx = torch.multiprocessing.get_context('fork')
    barrier = ctx.Barrier(processes)
    pipes, procs = [], []
    for _ in range(processes):
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_independent_loader,
                           args=(cfg, batch_size, samples, rounds, seed,
                                 barrier, child))
        proc.start()
        child.close()
        pipes.append(parent)
        procs.append(proc)
    results = []
    for pipe, proc in zip(pipes, procs):
        try:
            results.append(pipe.recv())
        except EOFError:  # died without a word (killed, crashed)
            proc.join()
            results.append(f'process {proc.pid} exited with code '
                           f'{proc.exitcode} before reporting')
    for proc in procs:
        proc.join()
    for res in results:
        if isinstance(res, str):
            raise RuntimeError(f'independent loader failed: {res}')
    totals = [float(sum(r)) for r in zip(*results)]
    return dict(processes=processes, rates=totals,
                median_samples_per_s=float(np.median(totals))
                if totals else None)


def build_trainer(cfg: Config, device: str):
    """The config's model (random weights, train mode) on ``device`` and
    its optimizer wrapper."""
    register_all_modules()
    model = MODELS.build(copy.deepcopy(cfg.model)).to(device)
    model.train()
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)  # one line per parameter otherwise
    try:
        optim_wrapper = build_optim_wrapper(
            model, copy.deepcopy(cfg.optim_wrapper))
    finally:
        logger.setLevel(level)
    return model, optim_wrapper


def train_steps(model, optim_wrapper, loader, steps: int, warmup: int,
                device: torch.device) -> dict:
    """``warmup`` + ``steps`` train steps on batches of ``loader``:
    seconds per step, seconds waiting for each batch, peak memory."""
    it = iter(loader)
    for _ in range(warmup):
        model.train_step(next(it), optim_wrapper)
    waits, computes = [], []
    with PeakMemory(device) as peak:
        for _ in range(steps):
            start = time.perf_counter()
            batch = next(it)
            got = time.perf_counter()
            model.train_step(batch, optim_wrapper)
            if device.type == 'cuda':
                torch.cuda.synchronize(device)
            waits.append(got - start)
            computes.append(time.perf_counter() - got)
    wall = sum(waits) + sum(computes)
    return dict(step=summarize(computes), wait=summarize(waits),
                data_wait_fraction=sum(waits) / wall,
                samples_per_s=steps * loader.batch_size / wall,
                peak_mem_mb=peak.peak_mb)


def train_rounds(cfg: Config, worker_counts: Sequence[int],
                 batch_size: int, steps: int, warmup: int, device: str,
                 seed: int = 0, log: Callable[[str], None] = print
                 ) -> Dict[int, dict]:
    """:func:`train_steps` with each worker count (one model, reset to
    the same weights for each)."""
    dev = torch.device(device)
    torch.manual_seed(seed)
    model, optim_wrapper = build_trainer(cfg, device)
    start_state = copy.deepcopy(model.state_dict())
    samples = (steps + warmup) * batch_size
    results = {}
    for workers in worker_counts:
        model.load_state_dict(start_state)
        loader = build_loader(cfg, workers, batch_size, samples, seed)
        res = train_steps(model, optim_wrapper, loader, steps, warmup, dev)
        del loader
        results[workers] = res
        log(f'train workers {workers}: step {res["step"]["median_ms"]:.0f}'
            f' ms, waiting {100 * res["data_wait_fraction"]:.0f}%')
    return results


def machine_facts(device: str, command: str, load: int) -> dict:
    """CPU, cores, torch/OpenCV/mmengine versions, date, command."""
    env = environment(torch.device(device))
    env.update(cores_usable=cpu_count(), opencv=cv2.__version__,
               mmengine=mmengine.__version__, background_load=load,
               date=datetime.datetime.now(
                   datetime.timezone.utc).isoformat(timespec='seconds'),
               command=command)
    return env


def benchmark_training(cfg: Config, worker_counts: Sequence[int] = (0, 1,
                                                                     2),
                       batch_size: int = 16, samples: int = 256,
                       rounds: int = 3, train_steps_n: int = 3,
                       train_warmup: int = 1, device: str = 'cpu',
                       load: int = 0, seed: int = 0, command: str = '',
                       baseline: bool = False, ceiling: int = 0,
                       log: Callable[[str], None] = print) -> dict:
    """The whole measurement (see the module docstring) as a report dict:
    ``env``, ``settings``, ``loader`` (per worker count), ``train`` (per
    worker count, empty with ``train_steps_n=0``) and
    ``same_samples_across_workers``. ``baseline`` adds loaders with
    mmengine's default collate and worker init (keys ``'<workers>
    baseline'``) to the alternated rounds; ``ceiling`` > 0 also times that
    many independent single-process loaders together
    (:func:`independent_loaders`, key ``ceiling``)."""
    settings = dict(workers=list(worker_counts), batch_size=batch_size,
                    samples=samples, rounds=rounds,
                    train_steps=train_steps_n, train_warmup=train_warmup,
                    device=device, background_load=load, seed=seed,
                    baseline=baseline, ceiling=ceiling)
    with runner_process_settings(cfg), background_load(load):
        ceiling_res = None
        if ceiling > 0:
            ceiling_res = independent_loaders(cfg, ceiling, batch_size,
                                              samples, rounds, seed)
            log(f'{ceiling} independent loaders together: '
                f'{ceiling_res["median_samples_per_s"]:.1f} samples/s')
        loaders = {str(w): build_loader(cfg, w, batch_size, samples, seed)
                   for w in worker_counts}
        if baseline:
            loaders.update({
                f'{w} {BASELINE}': build_loader(cfg, w, batch_size, samples,
                                                seed, baseline=True)
                for w in worker_counts})
        loader = loader_rounds(loaders, rounds, log=log)
        del loaders
        train = {}
        if train_steps_n > 0:
            train = train_rounds(cfg, worker_counts, batch_size,
                                 train_steps_n, train_warmup, device,
                                 seed, log)
    digests = {res['digest'] for res in loader.values()}
    return dict(env=machine_facts(device, command, load), settings=settings,
                loader=loader, ceiling=ceiling_res,
                train={str(w): r for w, r in train.items()},
                same_samples_across_workers=len(digests) == 1)


def format_table(report: dict) -> str:
    """The report as a plain-text table."""
    env, st = report['env'], report['settings']
    lines = [
        f"# {env['date']} | CPU {env['cpu']} | {env['cores_usable']} cores "
        f"| torch {env['torch']} | background load {env['background_load']}",
        f"# batch {st['batch_size']}, {st['samples']} samples per epoch, "
        f"{st['rounds']} rounds, device {st['device']}",
        '', '| workers | samples/s (median) | rounds | first epoch s | '
        'main process CPU ms/sample (median) |',
        '| --- | --- | --- | --- | --- |']
    for w, r in report['loader'].items():
        rates = ' '.join(f'{x:.1f}' for x in r['rates'])
        med = r['median_samples_per_s']
        cpu = r.get('median_main_cpu_ms_per_sample')
        lines.append(f"| {w} | {'-' if med is None else f'{med:.1f}'} | "
                     f"{rates} | {r['first_epoch_s']:.2f} | "
                     f"{'-' if cpu is None else f'{cpu:.3f}'} |")
    ceiling = report.get('ceiling')
    if ceiling:
        rates = ' '.join(f'{x:.1f}' for x in ceiling['rates'])
        lines.append(f"| ceiling: {ceiling['processes']} independent "
                     f"loaders | {ceiling['median_samples_per_s']:.1f} | "
                     f"{rates} | - | - |")
    if report['train']:
        lines += ['', '| workers | step ms (median) | waiting for data | '
                  'samples/s | peak MiB |', '| --- | --- | --- | --- | --- |']
        for w, r in report['train'].items():
            lines.append(
                f"| {w} | {r['step']['median_ms']:.0f} | "
                f"{100 * r['data_wait_fraction']:.1f}% | "
                f"{r['samples_per_s']:.1f} | {r['peak_mem_mb']:.0f} |")
    same = report['same_samples_across_workers']
    lines += ['', f'same samples for every worker count: '
              f'{"yes" if same else "NO"}']
    return '\n'.join(lines)
