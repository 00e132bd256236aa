"""Packaging for sfkd. Configs ship inside the package (sfkd/.mim/configs) so
that downstream projects can inherit them with ``_base_ = ['sfkd::path.py']``."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def version() -> str:
    scope: dict = {}
    with open(osp.join(HERE, 'sfkd', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def requirements(name: str) -> list:
    lines = open(osp.join(HERE, 'requirements', name)).read().splitlines()
    return [ln.split('#')[0].strip() for ln in lines if ln.split('#')[0].strip()]


setup(
    name='sfkd',
    version=version(),
    description='Student-friendly knowledge distillation: train teachers for their students, '
    'then distil with any KD method (MMEngine)',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.8',
    packages=find_packages(include=['sfkd', 'sfkd.*']),
    package_data={'sfkd': ['.mim/model-index.yml', '.mim/configs/**/*.py']},
    include_package_data=True,
    # torch and mmcv are installed first by tools/setup.sh (mmcv is built
    # against the installed torch), so they are not declared here.
    install_requires=requirements('runtime.txt'),
    extras_require={'tests': requirements('tests.txt'), 'docs': requirements('docs.txt')},
    entry_points={
        'console_scripts': [
            'sfkd-train=sfkd.tools.train:main',
            'sfkd-test=sfkd.tools.test:main',
            'sfkd-export-student=sfkd.tools.export_student:main',
            'sfkd-prepare-data=sfkd.tools.prepare_data:main',
        ],
    },
    license='Apache License 2.0',
    zip_safe=False,
)
