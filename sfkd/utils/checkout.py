"""The sfkd repository a running sfkd is imported from, if any."""
import os.path as osp
from typing import Optional


def sfkd_checkout() -> Optional[str]:
    """The repository sfkd is imported from, or None for a plain (non-editable) install."""
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    return root if osp.isfile(osp.join(root, 'tools', 'setup.sh')) else None
