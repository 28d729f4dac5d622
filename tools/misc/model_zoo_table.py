"""Print the model zoo table of ``configs/sot/stark/metafile.yml``.

Usage::

    python tools/misc/model_zoo_table.py                 # print the table
    python tools/misc/model_zoo_table.py --update README.md
    python tools/misc/model_zoo_table.py --check README.md
    python tools/misc/model_zoo_table.py --validate

The table sits in the README between the two marker comments
``<!-- model-zoo-table:start -->`` / ``<!-- model-zoo-table:end -->``.
``--check`` exits 1 when it differs from what the metafile gives;
``--validate`` exits 1 when a Model lacks a required field or names a
config file that does not exist. Reads local files only.
"""
import argparse
import difflib
import os
import os.path as osp
import sys
from typing import Any, Dict, List, Optional, Sequence

import yaml

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_METAFILE = osp.join(REPO_ROOT, 'configs', 'sot', 'stark',
                            'metafile.yml')
START = '<!-- model-zoo-table:start -->'
END = '<!-- model-zoo-table:end -->'
REQUIRED = ('Name', 'Config', 'Weights', 'Results')
HEADER = ('Model', 'Published by', 'File (as published)', 'Config',
          'LaSOT AUC', 'GOT-10k AO', 'SR0.5', 'SR0.75', 'TrackingNet AUC',
          'VOT2020 EAO', 'VOT2020-LT F-score', 'Speed (FPS)', 'Numbers from')

Model = Dict[str, Any]


def load_models(metafile: str) -> List[Model]:
    """The ``Models`` list of a metafile (an empty list if it has none)."""
    with open(metafile, encoding='utf-8') as f:
        data = yaml.safe_load(f) or {}
    return list(data.get('Models') or [])


def model_configs(model: Model) -> List[str]:
    """Every config a Model names: its own and its Results' (in order)."""
    configs = [model['Config']] if model.get('Config') else []
    for result in model.get('Results') or []:
        cfg = result.get('Config')
        if cfg and cfg not in configs:
            configs.append(cfg)
    return configs


def find_problems(models: Sequence[Model], root: str) -> List[str]:
    """Missing fields and config files, one message per problem."""
    problems = []
    for i, model in enumerate(models):
        name = model.get('Name', f'Models[{i}]')
        for key in REQUIRED:
            if not model.get(key):
                problems.append(f'{name}: no {key}')
        for j, result in enumerate(model.get('Results') or []):
            if not result.get('Metrics'):
                problems.append(f'{name}: Results[{j}] has no Metrics')
            if not result.get('Dataset'):
                problems.append(f'{name}: Results[{j}] has no Dataset')
        for cfg in model_configs(model):
            if not osp.isfile(osp.join(root, cfg)):
                problems.append(f'{name}: config {cfg} does not exist')
    return problems


def _metric(model: Model, dataset: str, metric: str) -> str:
    """Every published value of ``metric`` on ``dataset``, each with its
    ``Output`` (e.g. boxes or masks) when the result names one."""
    values = []
    for result in model.get('Results') or []:
        if result.get('Dataset') == dataset:
            value = (result.get('Metrics') or {}).get(metric)
            if value is not None:
                output = result.get('Output')
                values.append(f'{value} ({output})' if output else
                              str(value))
    return '<br>'.join(values) or '-'


def _source_label(url: str) -> str:
    """``https://github.com/o/REPO/blob/BR/PATH#sec`` -> ``REPO PATH#sec``."""
    parts = url.split('/')
    if 'github.com' in parts and 'blob' in parts:
        i = parts.index('blob')
        return f'{parts[i - 1]} {"/".join(parts[i + 2:])}'
    return url


def _config_cell(model: Model, readme_dir: str, root: str) -> str:
    def link(cfg: str) -> str:
        rel = osp.relpath(osp.join(root, cfg), readme_dir)
        return f'[{osp.basename(cfg)}]({rel})'

    cell = link(model['Config'])
    shown = set()
    for result in model.get('Results') or []:
        cfg = result.get('Config')
        if cfg and cfg != model['Config'] and \
                (result['Dataset'], cfg) not in shown:
            shown.add((result['Dataset'], cfg))
            cell += f'<br>{result["Dataset"]}: {link(cfg)}'
    return cell


def _speed_cell(model: Model) -> str:
    speeds = (model.get('Metadata') or {}).get('Inference Speed') or []
    return '<br>'.join(f'{s["FPS"]} ({s["Hardware"]})' for s in speeds) \
        or '-'


def _sources_cell(model: Model) -> str:
    urls: List[str] = []
    speeds = (model.get('Metadata') or {}).get('Inference Speed') or []
    for item in list(model.get('Results') or []) + list(speeds):
        url = item.get('Source')
        if url and url not in urls:
            urls.append(url)
    return '<br>'.join(f'[{_source_label(u)}]({u})' for u in urls) or '-'


def model_row(model: Model, readme_dir: str, root: str) -> List[str]:
    """The table cells of one Model."""
    meta = model.get('Metadata') or {}
    collection = model.get('In Collection', '')
    publisher = collection[collection.find('(') + 1:collection.rfind(')')] \
        if '(' in collection else collection
    page = meta.get('Published At')
    file_cell = (f'[`{meta.get("File", osp.basename(model["Weights"]))}`]'
                 f'({model["Weights"]})')
    if meta.get('Official Path'):  # the official files share names
        folder = osp.dirname(meta['Official Path'])
        file_cell += f'<br>`{folder.replace("checkpoints/train/", "")}/`'
    return [
        f'{meta.get("Variant", model["Name"])}<br>`{model["Name"]}`',
        f'[{publisher}]({page})' if page else publisher,
        file_cell,
        _config_cell(model, readme_dir, root),
        _metric(model, 'LaSOT', 'AUC'),
        _metric(model, 'GOT-10k', 'AO'),
        _metric(model, 'GOT-10k', 'SR0.5'),
        _metric(model, 'GOT-10k', 'SR0.75'),
        _metric(model, 'TrackingNet', 'AUC'),
        _metric(model, 'VOT2020', 'EAO'),
        _metric(model, 'VOT2020-LT', 'F-score'),
        _speed_cell(model),
        _sources_cell(model),
    ]


def render_table(models: Sequence[Model], readme_dir: str,
                 root: str = REPO_ROOT) -> str:
    """The markdown table (no trailing newline)."""
    rows = [list(HEADER), ['---'] * len(HEADER)]
    rows += [model_row(m, readme_dir, root) for m in models]
    return '\n'.join('| ' + ' | '.join(r) + ' |' for r in rows)


def extract_table(text: str) -> Optional[str]:
    """The text between the markers, stripped; None without markers."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start + len(START):end].strip()


def replace_table(text: str, table: str) -> str:
    """``text`` with the part between the markers set to ``table``."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f'no {START} ... {END} markers')
    return f'{text[:start + len(START)]}\n{table}\n{text[end:]}'


def check(readme: str, table: str) -> List[str]:
    """Differences between the README's table and ``table`` (empty: same)."""
    with open(readme, encoding='utf-8') as f:
        current = extract_table(f.read())
    if current is None:
        return [f'{readme}: no {START} ... {END} markers']
    return list(difflib.unified_diff(
        current.splitlines(), table.splitlines(), f'{readme} (table)',
        'from metafile', lineterm=''))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Model zoo table from a model-index metafile')
    parser.add_argument('--metafile', default=DEFAULT_METAFILE)
    parser.add_argument('--root', default=REPO_ROOT,
                        help='folder the metafile paths are relative to')
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument('--check', metavar='FILE',
                      help='exit 1 if the table in FILE is out of date')
    mode.add_argument('--update', metavar='FILE',
                      help='rewrite the table in FILE')
    mode.add_argument('--validate', action='store_true',
                      help='exit 1 on missing fields or config files')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    models = load_models(args.metafile)
    if args.validate:
        problems = find_problems(models, args.root)
        for problem in problems:
            print(f'error: {args.metafile}: {problem}', file=sys.stderr)
        return 1 if problems else 0
    target = args.check or args.update
    readme_dir = osp.dirname(osp.abspath(target or args.metafile))
    table = render_table(models, readme_dir, args.root)
    if args.check:
        diff = check(args.check, table)
        if diff:
            print('\n'.join(diff), file=sys.stderr)
            print(f'error: {args.check}: model zoo table differs from '
                  f'{args.metafile}; run {sys.argv[0]} --update '
                  f'{args.check}', file=sys.stderr)
            return 1
        return 0
    if args.update:
        with open(args.update, encoding='utf-8') as f:
            text = replace_table(f.read(), table)
        tmp = f'{args.update}.tmp'
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(text)
        os.replace(tmp, args.update)
        return 0
    print(table)
    return 0


if __name__ == '__main__':
    sys.exit(main())
