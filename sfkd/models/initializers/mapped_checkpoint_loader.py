"""Initialise a model from another model's checkpoint, parameters matched by name."""
import os.path as osp
from typing import Dict, List, Optional

from mmengine.logging import MMLogger
from torch import nn

from sfkd.registry import TASK_UTILS
from sfkd.utils.errors import BadConfigError

TEACHER_DIR = '{teacher_dir}'
OPTIONS = ('checkpoint', 'key_map', 'strict', 'required', 'made_by')
DEFAULT_TYPE = 'MappedCheckpointLoader'


@TASK_UTILS.register_module()
class MappedCheckpointLoader:
    """Load a model's start from a checkpoint of another model, by parameter name.

    Built from a distiller's ``student_init`` (``model.student_init=dict(
    checkpoint=..., key_map=..., ...)``; ``type`` defaults to this class),
    e.g. to start the student from the branch student of an SFTN
    run (SFTN, SFT-KD-Recon).

    ``{teacher_dir}`` in ``checkpoint`` stands for the folder of the
    distiller's ``teacher_ckpt``, the run that made the teacher:
    ``'{teacher_dir}/sft_student_final.pth'`` is the file that run wrote next
    to ``teacher_final.pth``. The checkpoint's keys are renamed by
    ``key_map`` (``{old prefix: new prefix}``; with a map, keys matching no
    prefix are dropped), and the matched tensors loaded (see
    :func:`~sfkd.utils.checkpoint_io.load_mapped_weights`: shapes must
    match, and the log lists the loaded, missing, unexpected and never-trained
    keys).

    Args:
        checkpoint: Path of the checkpoint; may contain ``{teacher_dir}``.
        key_map: ``{old prefix: new prefix}``, e.g. ``{'students.b0.': ''}``
            for a whole SFTN checkpoint. ``None``: keys as they are.
        strict: Refuse missing or unexpected keys (else log them and load the
            matching ones).
        required: Refuse a missing file; with ``False`` a missing file leaves
            the model as built (logged).
        made_by: The command that writes ``checkpoint``; the error for a
            missing file names it.
    """

    def __init__(self, checkpoint: str, key_map: Optional[Dict[str, str]] = None,
                 strict: bool = True, required: bool = True,
                 made_by: Optional[str] = None) -> None:
        self.checkpoint = checkpoint
        self.key_map = key_map
        self.strict = strict
        self.required = required
        self.made_by = made_by

    def resolve(self, teacher_ckpt: Optional[str] = None) -> str:
        """The checkpoint path, ``{teacher_dir}`` replaced by the folder of ``teacher_ckpt``."""
        if TEACHER_DIR not in self.checkpoint:
            return self.checkpoint
        if teacher_ckpt is None:
            raise BadConfigError('model.student_init.checkpoint names {teacher_dir}, the '
                                 'folder of model.teacher_ckpt, which is not set')
        return self.checkpoint.replace(TEACHER_DIR, osp.dirname(teacher_ckpt) or '.')

    def load(self, model: nn.Module, teacher_ckpt: Optional[str] = None,
             owner: str = 'student') -> Optional[Dict[str, List[str]]]:
        """Load the checkpoint into ``model``.

        Returns:
            The report of :func:`~sfkd.utils.checkpoint_io.load_mapped_weights`
            (``loaded``, ``missing``, ``unexpected``, ``never_trained``,
            ``never_trained_modules``), or ``None`` when the file is missing
            and not ``required`` (the model is left as built).
        """
        from sfkd.utils.checkpoint_io import load_mapped_weights
        path = self.resolve(teacher_ckpt)
        if not self.required and not osp.isfile(path):
            MMLogger.get_current_instance().info(
                f'{owner}_init: {path} does not exist; the {owner} starts as built')
            return None
        return load_mapped_weights(model, path, self.key_map, self.strict, owner=owner,
                                   made_by=self.made_by)


def build_initializer(cfg: dict, where: str = 'model.student_init'):
    """The loader a ``student_init`` dict describes.

    ``type`` defaults to :class:`MappedCheckpointLoader`; another registered
    type needs a ``load(model, teacher_ckpt=...)`` method.
    """
    if not isinstance(cfg, dict) or cfg.get('type', DEFAULT_TYPE) == DEFAULT_TYPE and (
            cfg.get('checkpoint') is None or set(cfg) - {'type', *OPTIONS}):
        got = sorted(cfg) if isinstance(cfg, dict) else repr(cfg)
        raise BadConfigError(
            f'{where} takes checkpoint, key_map, strict, required and made_by, got {got}; '
            "e.g. dict(checkpoint='work_dirs/<sft run>/epoch_3.pth', key_map={'students.b0.': "
            "''})")
    options = dict(cfg)
    kind = options.pop('type', DEFAULT_TYPE)
    cls = TASK_UTILS.get(kind) if isinstance(kind, str) else kind
    if cls is None:
        raise BadConfigError(f'{where}: unknown type {kind!r}; leave type out for '
                             f'{DEFAULT_TYPE}')
    return cls(**options)
