"""User-facing errors: each message names what is wrong and how to fix it.

The command-line tools print these as one line instead of a stack trace.
"""


class SfkdError(Exception):
    """Base of the errors sfkd reports to users."""


class BadConfigError(SfkdError, ValueError):
    """A config names something that does not exist or does not fit."""


class CheckpointError(SfkdError, ValueError):
    """A checkpoint is missing, unreadable, or does not fit the model."""


class WorkDirError(SfkdError, OSError):
    """The work dir cannot be used: a file, not writable, or not creatable."""

