"""Check the versions of the OpenMMLab stack without asserting at import."""
import warnings
from importlib import metadata
from typing import Dict, List, Tuple

from packaging.specifiers import SpecifierSet
from packaging.version import Version

# distribution name -> (supported range, how to fix)
SUPPORTED: Dict[str, Tuple[str, str]] = {
    'torch': ('>=2.0', 'pip install torch==2.14.1 torchvision==0.29.1'),
    'mmengine': ('>=0.10.0,<1.0.0', 'pip install mmengine==0.10.7'),
    'mmcv': ('>=2.0.0,<2.2.0', ('install mmcv 2.1.0 built with its ops, which '
                                   "`bash tools/setup.sh` in an sfkd clone builds (sfkd's install "
                                   'guide shows its steps)')),
    'mmpretrain': ('>=1.0.0,<2.0.0', 'pip install mmpretrain==1.2.0'),
    'mmdet': ('>=3.0.0,<4.0.0', 'pip install mmdet==3.3.0'),
    'mmsegmentation': ('>=1.0.0,<2.0.0', 'pip install mmsegmentation==1.2.2'),
}


def version_problems() -> List[str]:
    """Return one human-readable line per missing or unsupported dependency."""
    problems = []
    for dist, (spec, fix) in SUPPORTED.items():
        try:
            found = metadata.version(dist)
        except metadata.PackageNotFoundError:
            problems.append(f'{dist} is not installed (needs {spec}); fix: {fix}')
            continue
        if Version(found).release and Version(Version(found).base_version) not in SpecifierSet(spec):
            problems.append(f'{dist} {found} is outside the supported range {spec}; fix: {fix}')
    return problems


def check_dependencies() -> None:
    """Warn once about every dependency sfkd does not support."""
    for line in version_problems():
        warnings.warn(f'sfkd: {line}', stacklevel=2)
