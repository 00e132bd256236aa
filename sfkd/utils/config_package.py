"""Let downstream configs inherit sfkd's with ``_base_ = ['sfkd::path.py']``.

MMEngine resolves ``package::path`` only for packages in its
``MODULE2PACKAGE`` table; sfkd adds itself there when it is imported, so
configs must be loaded through an sfkd entry point (``python -m
sfkd.tools.train``, ``sfkd-train`` or ``tools/train.py``). The configs are
shipped inside the package under ``sfkd/.mim/configs``.
"""
from mmengine.config import utils as config_utils


def register_config_package() -> None:
    config_utils.MODULE2PACKAGE.setdefault('sfkd', 'sfkd')
