"""The ``--cfg-options`` check, now :mod:`sfkd.utils.cfg_options` (the library's config
loader uses it too); this name stays for code that imports it from the tools."""
from sfkd.utils.cfg_options import TOOL_KEYS, check_cfg_options, near_miss  # noqa: F401
