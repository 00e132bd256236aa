"""Config options: explain a typo in an option name, refuse out-of-range values."""
import difflib
import inspect
import numbers
import re
from typing import List, Optional, Union

from .errors import BadConfigError

_UNEXPECTED = re.compile(r"unexpected keyword argument '([^']+)'")


def accepted_options(cls: type) -> Optional[List[str]]:
    """The keyword arguments ``cls(...)`` accepts, or None if it takes ``**kwargs``."""
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def unexpected_option(message: str, cls: type, skip=()) -> Optional[str]:
    """``"<cls> has no option 'x'; did you mean [...]? ..."`` for such an error, else None.

    Args:
        message: The ``TypeError`` message of the failed construction.
        cls: The class that was being built.
        skip: Arguments the builder passes itself (not config options).
    """
    found = _UNEXPECTED.search(message)
    if not found:
        return None
    options = [o for o in accepted_options(cls) or [] if o not in skip and o != 'self']
    return no_such_option(cls.__name__, found.group(1), options)


def no_such_option(owner: str, name: str, options: List[str]) -> str:
    """``"<owner> has no option 'name'; did you mean [...]? (its options: [...])"``."""
    close = difflib.get_close_matches(name, options, n=3, cutoff=0.6)
    hint = f'; did you mean {close}?' if close else ''
    return f'{owner} has no option {name!r}{hint} (its options: {options})'


def explain_build_type_error(message: str) -> Optional[str]:
    """Explain ``X.__init__() got an unexpected keyword argument 'k'`` for a registered model
    class ``X`` (sfkd's, or mmpretrain's, mmdet's, mmseg's), or return None."""
    named = re.search(r'(\w+)\.__init__\(\)', message)
    if not named or not _UNEXPECTED.search(message):
        return None
    from sfkd.registry import MODELS
    for scope in ('', 'mmpretrain.', 'mmdet.', 'mmseg.'):
        try:
            cls = MODELS.get(scope + named.group(1))
        except Exception:  # noqa: BLE001 - a library that is not installed
            cls = None
        if isinstance(cls, type) and cls.__name__ == named.group(1):
            return unexpected_option(message, cls)
    return None


def boolean(value, name: str, *, why: str) -> bool:
    """Return ``value`` if it is True or False, else refuse it naming ``name`` and
    ``why`` (what the switch does)."""
    if not isinstance(value, bool):
        raise BadConfigError(f'{name} must be True or False ({why}), got {value!r}')
    return value


def number(value, name: str, *, above: Optional[float] = None, at_least: Optional[float] = None,
           integer: bool = False, why: str = '') -> Union[int, float]:
    """Return ``value`` as a float (an int with ``integer``), or refuse it naming ``name``.

    Args:
        value: The configured value.
        name: The option, as the error names it (``tau``, ``num_samples``).
        above: The value must be greater than this.
        at_least: The value must be at least this.
        integer: The value must be a whole number.
        why: A reason appended to the error (``a softmax temperature``).
    """
    kind = 'an integer' if integer else 'a number'
    ok_type = isinstance(value, numbers.Integral if integer else numbers.Real) and \
        not isinstance(value, bool)
    if not ok_type:
        raise BadConfigError(f'{name} must be {kind}, got {value!r} ({type(value).__name__})')
    value = int(value) if integer else float(value)
    bounds = []
    if above is not None and not value > above:
        bounds.append(f'> {above:g}')
    if at_least is not None and not value >= at_least:
        bounds.append(f'>= {at_least:g}')
    if bounds:
        reason = f' ({why})' if why else ''
        raise BadConfigError(f'{name} must be {" and ".join(bounds) or "a number"}{reason}, '
                             f'got {value:g}')
    return value
