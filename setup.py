"""Setup for stark_plugin (install with ``bash tools/install.sh``)."""
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_version() -> str:
    with open(osp.join(HERE, 'stark_plugin', 'version.py')) as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def read_requirements(name: str) -> list:
    """Requirement lines of ``requirements/<name>.txt`` (comments dropped)."""
    reqs = []
    with open(osp.join(HERE, 'requirements', name + '.txt')) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                reqs.append(line)
    return reqs


setup(
    name='stark_plugin',
    version=read_version(),
    description='STARK visual object tracker (ICCV 2021) on OpenMMLab 2.0 '
    '(mmengine, mmcv 2.1, mmdet 3.3)',
    long_description=open(osp.join(HERE, 'README.md')).read()
    if osp.exists(osp.join(HERE, 'README.md')) else '',
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.8',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    include_package_data=True,
    # the bundled default model and sample clip (demo_sot.py without args)
    package_data={'stark_plugin': ['assets/*']},
    install_requires=read_requirements('runtime') + read_requirements('mmcv'),
    extras_require={
        'tests': read_requirements('tests'),
        'onnx': read_requirements('onnx'),
    },
    zip_safe=False,
)
