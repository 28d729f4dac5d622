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

Optionally in the same rounds: loaders with mmengine's default collate
(``baseline``) and the ceiling, N loaders without workers in N processes
timed together (:class:`IndependentLoaders`), each loader's rate paired
per round with the 0-worker loader's and the ceiling's; and
``background_load`` busy processes running meanwhile
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
from stark_plugin.engine.launch import size_block_pool
from stark_plugin.registry import MODELS
from stark_plugin.setup_env import register_all_modules
from stark_plugin.structures.sot_batch import (BATCH_FIELDS,
                                               restore_batch_fields,
                                               unpack_batch)
from .benchmark import PeakMemory, environment, summarize
from .environment import shm_huge_pages
from .load import background_load, cpu_count, machine_busy_seconds

#: label of the loaders with mmengine's default collate and worker init
BASELINE = 'baseline'
#: key of :class:`IndependentLoaders` in the loader rounds and the report
CEILING = 'ceiling'


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
    size_block_pool(dl_cfg)
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
    ``samples`` delivered, ``cpu_seconds`` of this (the main) process
    meanwhile (with workers: receiving the batches) and
    ``machine_cpu_seconds``, the busy CPU time of the whole machine
    meanwhile (workers included; None where unknown)."""
    loader.sampler.set_epoch(epoch)
    count = 0
    busy_start = machine_busy_seconds()
    start, cpu_start = time.perf_counter(), time.process_time()
    for batch in loader:
        count += len(batch['data_samples'])
        if on_batch is not None:
            on_batch(batch)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    return dict(seconds=seconds, samples=count, cpu_seconds=cpu,
                machine_cpu_seconds=_busy_since(busy_start))


def _busy_since(start: Optional[float]) -> Optional[float]:
    """Busy CPU seconds of the machine since ``start``
    (:func:`machine_busy_seconds`), None where unknown."""
    end = machine_busy_seconds()
    return None if start is None or end is None else end - start


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


def _timed_epoch(loader, epoch: int,
                 on_batch: Optional[Callable[[dict], None]] = None) -> dict:
    """:func:`run_epoch` for a DataLoader, or the loader's own epoch
    (:class:`IndependentLoaders`, whose batches stay in its processes:
    ``on_batch`` is not called)."""
    if isinstance(loader, IndependentLoaders):
        return loader.run_epoch(epoch)
    return run_epoch(loader, epoch, on_batch)


def _per_sample_ms(seconds: Optional[float], samples: int
                   ) -> Optional[float]:
    """Milliseconds per sample, None when the seconds are unknown."""
    return None if seconds is None else 1e3 * seconds / samples


def _median(values: Sequence[Optional[float]]) -> Optional[float]:
    """Median of the known values, None if there are none."""
    known = [v for v in values if v is not None]
    return float(np.median(known)) if known else None


def loader_rounds(loaders: Dict[str, object], rounds: int,
                  epoch: int = 0, log: Callable[[str], None] = print
                  ) -> Dict[str, dict]:
    """Warm-up epoch (timed apart, fingerprinted) then ``rounds`` timed
    epochs of every loader, alternating between them: per round the
    samples/s, the main process's and the whole machine's CPU
    milliseconds per sample. Every round runs the same epoch, so all
    loaders deliver the same samples in every round. Loaders may be
    DataLoaders or :class:`IndependentLoaders` (no fingerprint).

    Summaries per loader: the medians, and ``ratio_to`` each other loader:
    the median over rounds of the rate divided by that loader's rate in
    the same round (paired, so that a slow spell of the machine hits both
    sides of a ratio)."""
    results: Dict[str, dict] = {}
    for name, loader in loaders.items():
        digests: List[str] = []
        first = _timed_epoch(loader, epoch,
                             lambda b: digests.append(batch_digest(b)))
        digest = hashlib.sha1(''.join(digests).encode()).hexdigest() \
            if digests else None
        results[name] = dict(
            first_epoch_s=first['seconds'], samples=first['samples'],
            digest=digest, rates=[], main_cpu_ms_per_sample=[],
            machine_cpu_ms_per_sample=[])
        log(f'{_label(name)}: first epoch {first["seconds"]:.2f} s')
    for r in range(rounds):
        for name, loader in loaders.items():
            done = _timed_epoch(loader, epoch)
            res, n = results[name], done['samples']
            res['rates'].append(n / done['seconds'])
            res['main_cpu_ms_per_sample'].append(
                _per_sample_ms(done['cpu_seconds'], n))
            res['machine_cpu_ms_per_sample'].append(
                _per_sample_ms(done['machine_cpu_seconds'], n))
            log(f'round {r + 1}/{rounds} {_label(name)}: '
                f'{res["rates"][-1]:.1f} samples/s')
    for res in results.values():
        res['median_samples_per_s'] = _median(res['rates'])
        res['median_main_cpu_ms_per_sample'] = _median(
            res['main_cpu_ms_per_sample'])
        res['median_machine_cpu_ms_per_sample'] = _median(
            res['machine_cpu_ms_per_sample'])
        res['ratio_to'] = {
            other: _median([a / b for a, b in zip(res['rates'],
                                                  ref['rates'])])
            for other, ref in results.items()}
    return results


def _label(name: str) -> str:
    """How the log names a loader of :func:`loader_rounds`."""
    return name if name == CEILING else f'workers {name}'


def _independent_loader(cfg: Config, batch_size: int, samples: int,
                        seed: int, barrier, conn) -> None:
    """One of :class:`IndependentLoaders`' processes: builds its loader
    (sends True), then, for each epoch number received, waits at the
    barrier and runs that epoch (sends its :func:`run_epoch` result);
    stops on None. An error is sent as a string."""
    try:
        sot_worker_init(0)  # the threads of a data worker
        loader = build_loader(cfg, 0, batch_size, samples, seed)
        conn.send(True)
        while True:
            epoch = conn.recv()
            if epoch is None:
                break
            barrier.wait(timeout=600)
            conn.send(run_epoch(loader, epoch))
    except BaseException as err:  # report it instead of hanging the parent
        barrier.abort()
        conn.send(f'{type(err).__name__}: {err}')
    finally:
        conn.close()


class IndependentLoaders:
    """``processes`` loaders without workers, each in its own process,
    timed together: the rate that many workers could reach on this machine
    with no data-loader overhead at all (no queue, no shared memory, no
    main process), i.e. the ceiling that memory bandwidth and shared
    caches leave. The processes start (and build their loaders) once;
    :meth:`run_epoch` runs one epoch in all of them at once (a barrier
    starts them together), so its rounds can alternate with other
    loaders'. Use as a context manager."""

    def __init__(self, cfg: Config, processes: int = 2,
                 batch_size: int = 16, samples: int = 256, seed: int = 0):
        ctx = torch.multiprocessing.get_context('fork')
        self.processes = processes
        self._barrier = ctx.Barrier(processes)
        self._pipes, self._procs = [], []
        try:
            for _ in range(processes):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=_independent_loader,
                                   args=(cfg, batch_size, samples, seed,
                                         self._barrier, child))
                proc.start()
                child.close()
                self._pipes.append(parent)
                self._procs.append(proc)
            self._gather()  # every loader built
        except BaseException:
            self.close()
            raise

    def _gather(self) -> list:
        """Every process's next result; RuntimeError naming the first
        failure (an error it reported, or an exit without a word)."""
        results = []
        for pipe, proc in zip(self._pipes, self._procs):
            try:
                results.append(pipe.recv())
            except EOFError:  # died without a word (killed, crashed)
                proc.join()
                results.append(f'process {proc.pid} exited with code '
                               f'{proc.exitcode} before reporting')
        for res in results:
            if isinstance(res, str):
                raise RuntimeError(f'independent loader failed: {res}')
        return results

    def run_epoch(self, epoch: int) -> dict:
        """One epoch in every process at once: ``samples`` of all of them,
        ``seconds`` from the start to the last one's end (as seen here),
        the busy CPU time of the whole machine meanwhile; ``cpu_seconds``
        is None (this process only waits)."""
        busy_start = machine_busy_seconds()
        start = time.perf_counter()
        for pipe in self._pipes:
            pipe.send(epoch)
        results = self._gather()
        return dict(seconds=time.perf_counter() - start,
                    samples=sum(r['samples'] for r in results),
                    cpu_seconds=None,
                    machine_cpu_seconds=_busy_since(busy_start))

    def close(self) -> None:
        """Stop and join the processes (killing any that hang)."""
        for pipe in self._pipes:
            try:
                pipe.send(None)
            except OSError:  # already gone
                pass
        for proc in self._procs:
            proc.join(timeout=30)
            if proc.is_alive():  # pragma: no cover - a stuck process
                proc.kill()
                proc.join()
        for pipe in self._pipes:
            pipe.close()
        self._pipes, self._procs = [], []

    def __enter__(self) -> 'IndependentLoaders':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
    """CPU, cores, the huge-page option of /dev/shm, torch/OpenCV/mmengine
    versions, date, command."""
    env = environment(torch.device(device))
    env.update(cores_usable=cpu_count(), shm_huge_pages=shm_huge_pages(),
               opencv=cv2.__version__,
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
    baseline'``) to the alternated rounds; ``ceiling`` > 0 adds that many
    independent single-process loaders timed together
    (:class:`IndependentLoaders`, reported under ``ceiling``) to the same
    rounds, so that each round has its own ceiling; every loader's
    ``ratio_to`` then has a ``'ceiling'`` entry."""
    settings = dict(workers=list(worker_counts), batch_size=batch_size,
                    samples=samples, rounds=rounds,
                    train_steps=train_steps_n, train_warmup=train_warmup,
                    device=device, background_load=load, seed=seed,
                    baseline=baseline, ceiling=ceiling)
    with runner_process_settings(cfg), background_load(load), \
            contextlib.ExitStack() as stack:
        loaders = {str(w): build_loader(cfg, w, batch_size, samples, seed)
                   for w in worker_counts}
        if baseline:
            loaders.update({
                f'{w} {BASELINE}': build_loader(cfg, w, batch_size, samples,
                                                seed, baseline=True)
                for w in worker_counts})
        if ceiling > 0:
            loaders[CEILING] = stack.enter_context(IndependentLoaders(
                cfg, ceiling, batch_size, samples, seed))
        loader = loader_rounds(loaders, rounds, log=log)
        stack.close()  # the ceiling's processes end before the train steps
        del loaders
        ceiling_res = loader.pop(CEILING, None)
        if ceiling_res is not None:
            ceiling_res['processes'] = ceiling
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


def _num(value: Optional[float], digits: int, unit: str = '') -> str:
    """A table cell: the value rounded, or '-' when unknown."""
    return '-' if value is None else f'{value:.{digits}f}{unit}'


def format_table(report: dict) -> str:
    """The report as a plain-text table."""
    env, st = report['env'], report['settings']
    lines = [
        f"# {env['date']} | CPU {env['cpu']} | {env['cores_usable']} cores "
        f"| torch {env['torch']} | background load {env['background_load']}"
        f" | /dev/shm huge pages: {env.get('shm_huge_pages') or '-'}"
        f" | OpenMP wait: {env.get('openmp_wait', '-')}",
        f"# batch {st['batch_size']}, {st['samples']} samples per epoch, "
        f"{st['rounds']} rounds, device {st['device']}",
        '', '| workers | samples/s (median) | x 0 workers | x ceiling | '
        'rounds | first epoch s | main process CPU ms/sample | '
        'machine CPU ms/sample |', '| --- ' * 8 + '|']
    rows = dict(report['loader'])
    if report.get('ceiling'):
        rows[f"{CEILING}: {report['ceiling']['processes']} independent "
             f"loaders"] = report['ceiling']
    for name, r in rows.items():
        rates = ' '.join(f'{x:.1f}' for x in r['rates'])
        ratio = r.get('ratio_to', {})
        cells = [name, _num(r['median_samples_per_s'], 1),
                 _num(ratio.get('0'), 2, 'x'),
                 _num(ratio.get(CEILING), 2, 'x'), rates,
                 _num(r['first_epoch_s'], 2),
                 _num(r.get('median_main_cpu_ms_per_sample'), 3),
                 _num(r.get('median_machine_cpu_ms_per_sample'), 2)]
        lines.append('| ' + ' | '.join(cells) + ' |')
    lines += ['', 'x 0 workers, x ceiling: median over rounds of the '
              'rate divided by that round\'s rate; machine CPU: busy CPU '
              'time of every process on the machine (workers included)']
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
