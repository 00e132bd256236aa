"""Every console script that setup.py declares names a function of the package."""
import importlib
import os.path as osp
import re

import pytest
from sfkd_testing import ROOT

pytestmark = pytest.mark.unit


def test_every_console_script_is_a_function():
    setup = open(osp.join(ROOT, 'setup.py')).read()
    scripts = dict(re.findall(r"'(sfkd-[a-z-]+)=([\w.]+:\w+)'", setup))
    assert set(scripts) == {'sfkd-train', 'sfkd-test', 'sfkd-export-student', 'sfkd-prepare-data'}
    for name, target in scripts.items():
        module, function = target.split(':')
        assert callable(getattr(importlib.import_module(module), function)), name
