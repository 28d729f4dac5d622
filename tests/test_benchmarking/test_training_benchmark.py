"""tools/analysis/benchmark_training.py on tiny settings (no timing
assertions): it runs, reports positive rates, and every worker count
delivers the same samples."""
import json
import os.path as osp
import statistics

import pytest
from stark_plugin.testing.scripts import import_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(ROOT, 'configs', 'sot', 'stark', 'stark_st1_tiny_synth.py')


def _tool():
    module = import_script(
        osp.join(ROOT, 'tools', 'analysis', 'benchmark_training.py'))
    return module


def test_tool_reports_rates_and_identical_samples(tmp_path, capsys):
    out = str(tmp_path / 'train_bench.json')
    rc = _tool().main([
        TINY, '--workers', '0', '2', '--batch-size', '2', '--samples', '6',
        '--rounds', '2', '--train-steps', '1', '--train-warmup', '1',
        '--videos', '2', '--frames', '24', '--frame-size', '160', '120',
        '--threads', '1', '--baseline-loader', '--ceiling', '2',
        '--json', out])
    assert rc == 0
    with open(out) as f:
        report = json.load(f)
    env = report['env']
    assert {'cpu', 'cores_usable', 'torch', 'date', 'command',
            'shm_huge_pages', 'openmp_wait'} <= set(env)
    assert '--workers 0 2' in env['command']
    assert set(report['loader']) == {'0', '2', '0 baseline', '2 baseline'}
    for res in report['loader'].values():
        assert res['samples'] == 6
        assert len(res['rates']) == 2 and min(res['rates']) > 0
        assert res['median_samples_per_s'] > 0
        assert len(res['main_cpu_ms_per_sample']) == 2
        assert res['median_main_cpu_ms_per_sample'] > 0
        assert len(res['machine_cpu_ms_per_sample']) == 2
        # paired per-round ratios, to every loader and to the ceiling
        assert set(res['ratio_to']) == set(report['loader']) | {'ceiling'}
        assert min(res['ratio_to'].values()) > 0
    for name, res in report['loader'].items():
        assert res['ratio_to'][name] == 1.0
        paired = [a / b for a, b in zip(res['rates'],
                                        report['ceiling']['rates'])]
        assert res['ratio_to']['ceiling'] == pytest.approx(
            statistics.median(paired))
    # without workers the main process runs the whole pipeline; with
    # workers it only receives the batches
    main_ms = {k: r['median_main_cpu_ms_per_sample']
               for k, r in report['loader'].items()}
    assert main_ms['2'] < main_ms['0'], main_ms
    # sample identity across worker counts (and with mmengine's
    # pseudo_collate loader)
    digests = {k: r['digest'] for k, r in report['loader'].items()}
    assert digests['0'] == digests['2'] == digests['2 baseline'], digests
    assert report['same_samples_across_workers'] is True
    # two independent single-process loaders, timed together in every
    # round beside the others: each delivers an epoch
    ceiling = report['ceiling']
    assert ceiling['processes'] == 2 and len(ceiling['rates']) == 2
    assert ceiling['samples'] == 2 * 6 and ceiling['digest'] is None
    assert min(ceiling['rates']) > 0 and ceiling['median_samples_per_s'] > 0
    assert ceiling['main_cpu_ms_per_sample'] == [None, None]
    assert set(ceiling['ratio_to']) == set(report['loader']) | {'ceiling'}
    assert set(report['train']) == {'0', '2'}
    for res in report['train'].values():
        assert res['step']['median_ms'] > 0 and res['peak_mem_mb'] > 0
        assert 0.0 <= res['data_wait_fraction'] <= 1.0
    table = capsys.readouterr().out
    assert 'ceiling: 2 independent loaders' in table
    assert 'main process CPU ms/sample' in table
    assert 'machine CPU ms/sample' in table and 'x ceiling' in table
    assert 'samples/s' in table and 'same samples for every worker ' \
        'count: yes' in table


def test_bad_arguments_are_refused(capsys):
    tool = _tool()
    assert tool.main([TINY, '--workers', '1', '1']) == 2
    assert tool.main([TINY, '--samples', '2', '--batch-size', '4']) == 2
    assert tool.main(['no_such_config.py']) == 2
    assert tool.main([TINY, '--ceiling', '-1']) == 2
    assert 'error:' in capsys.readouterr().err


def test_a_failing_ceiling_process_is_reported_not_waited_for(tmp_path):
    """The ceiling's processes build their loaders themselves: a loader
    that cannot be built (no data) stops the benchmark with the child's
    error instead of a hang."""
    from stark_plugin.benchmarking.training import (IndependentLoaders,
                                                    load_config)
    cfg = load_config(TINY, data_root=str(tmp_path / 'missing'))
    with pytest.raises(RuntimeError, match='independent loader failed'):
        IndependentLoaders(cfg, processes=2, batch_size=2, samples=4)


def test_a_training_mix_reads_the_data_through_its_got10k_member():
    from stark_plugin.benchmarking.training import load_config
    path = osp.join(ROOT, 'configs', 'sot', 'stark',
                    'stark_lightning_x_trt_got10k.py')
    cfg = load_config(path, data_root='/data/generated')
    dataset = cfg.train_dataloader.dataset
    assert dataset.type == 'GOT10kDataset'
    assert dataset.data_root == '/data/generated'
    assert dataset.split == 'train'
    assert dataset.pipeline  # the mix member's own training pipeline


def test_the_report_names_the_huge_page_option_of_dev_shm(tmp_path):
    from stark_plugin.benchmarking.environment import shm_huge_pages
    mounts = tmp_path / 'mounts'
    mounts.write_text('proc /proc proc rw 0 0\n'
                      'tmpfs /dev/shm tmpfs rw,relatime,size=1024k 0 0\n')
    assert shm_huge_pages(str(mounts)) == 'never'
    # a later mount over /dev/shm is the one that counts
    with open(mounts, 'a') as f:
        f.write('tmpfs /dev/shm tmpfs rw,size=1024k,huge=within_size 0 0\n')
    assert shm_huge_pages(str(mounts)) == 'within_size'
    mounts.write_text('proc /proc proc rw 0 0\n')
    assert shm_huge_pages(str(mounts)) is None
    assert shm_huge_pages(str(tmp_path / 'no_such_file')) is None


def test_the_report_names_the_openmp_wait_settings():
    from stark_plugin.benchmarking.environment import openmp_wait
    assert openmp_wait({}) == 'default'
    assert openmp_wait({'OMP_WAIT_POLICY': 'PASSIVE', 'PATH': '/bin',
                        'GOMP_SPINCOUNT': ''}) == 'OMP_WAIT_POLICY=PASSIVE'
    assert openmp_wait({'GOMP_SPINCOUNT': '10000', 'KMP_BLOCKTIME': '0'}) \
        == 'GOMP_SPINCOUNT=10000 KMP_BLOCKTIME=0'
