"""``type='FriendlyTeacher'``: the former name of the stage-1 teacher algorithms, kept
for old configs; it builds an :class:`SFTN` or a :class:`SoTeacher`."""
import logging

from mmengine.logging import print_log

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError

from .sftn import SFTN
from .soteacher import SoTeacher

#: the options only SFTN takes, which a FriendlyTeacher config without branches ignored
SFTN_ONLY = ('branches', 'imitation_loss', 'branch_task_weight', 'branch_imitation_weight',
             'branch_reduction', 'detach_teacher_in_kl', 'branch_channels_last', 'transform')


@MODELS.register_module(name='FriendlyTeacher')
def FriendlyTeacher(**options):  # noqa: N802 -- the registered name of a former class
    """Build what ``type='FriendlyTeacher'`` now means: an :class:`SFTN` when the config
    has branches, else a :class:`SoTeacher` (its regularisers), with a one-line warning
    naming the new type."""
    if options.get('branches'):
        cls = SFTN
    elif options.get('regularizers'):
        cls = SoTeacher
        # options that had no effect without branches; a warm-up is still refused
        options = {k: v for k, v in options.items() if k not in SFTN_ONLY}
        if options.get('branch_warmup_epochs'):
            raise BadConfigError(
                f'model.branch_warmup_epochs={options["branch_warmup_epochs"]} warms up '
                'branches, but model.branches is empty: add branches or set '
                'model.branch_warmup_epochs=0')
        options.pop('branch_warmup_epochs', None)
    else:
        raise BadConfigError(
            'FriendlyTeacher has no branches and no regularizers, so it would train a plain '
            'teacher: train the plain teacher config instead (e.g. '
            'sfkd::baseline/small-resnet_3e_fashion-mnist.py), or add model.branches '
            "(SFTN) or model.regularizers (SoTeacher)")
    message = (f"model.type 'FriendlyTeacher' is deprecated: this config builds "
               f"{cls.__name__}; set model.type='{cls.__name__}'")
    print_log(message, logger="current", level=logging.WARNING)
    return cls(**options)
