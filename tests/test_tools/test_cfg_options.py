"""--cfg-options: near misses of existing keys are refused, new entries are not."""
import pytest

from sfkd.tools.cfg_options import check_cfg_options, near_miss
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

CFG = dict(
    train_cfg=dict(by_epoch=True, max_epochs=3, val_interval=1),
    optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
    model=dict(
        type='Distiller', teacher_ckpt=None,
        student_taps=dict(logits='head.fc'),
        distill_losses=dict(loss_kd=dict(type='KDLoss', tau=4.0)),
        branches=[dict(attach=[('a', 'b')])]),
    default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
    load_from=None,
)


@pytest.mark.parametrize('key, message', [
    ('train_cfg.max_epoch', "train_cfg has no 'max_epoch'; did you mean ['train_cfg.max_epochs']?"),
    ('optim_wrapper.optimizer.lrr',
     "optim_wrapper.optimizer has no 'lrr'; did you mean ['optim_wrapper.optimizer.lr']?"),
    ('model.teacher_ckp', "model has no 'teacher_ckp'; did you mean ['model.teacher_ckpt']?"),
    ('trian_cfg.max_epochs', "the config has no 'trian_cfg'; did you mean ['train_cfg']?"),
    ('model.branches.3.attach', 'model.branches is a list of 1; use an index from 0 to 0'),
])
def test_near_misses_are_refused(key, message):
    assert near_miss(CFG, key.split('.')) == message
    with pytest.raises(BadConfigError, match='^--cfg-options ' + key.replace('.', r'\.')):
        check_cfg_options(CFG, [key])


@pytest.mark.parametrize('key', [
    'train_cfg.max_epochs',                       # exists
    'model.distill_losses.loss_kd.detach_teacher',  # an option left at its default
    'model.distill_losses.loss_kd2.type',         # a new loss, close to loss_kd: names are free
    'model.student_taps.logits2',                 # a new tap
    'default_hooks.checkpoint2.type',             # a new hook
    'optim_wrapper.optimizer.nesterov',           # an optimiser option left at its default
    'experiment_name',                            # a new top-level entry
    'model.branches.0.attach',                    # a list index in range
])
def test_existing_keys_and_new_entries_are_accepted(key):
    assert near_miss(CFG, key.split('.')) is None


def test_keys_the_train_tool_reads_itself_are_no_near_misses():
    cfg = dict(CFG, train_pipeline=[])  # a data base's variable, close to train_pipeline_from
    assert near_miss(cfg, ['train_pipeline_from']) is None
    assert near_miss(cfg, ['train_pipeline_fro']) == \
        "the config has no 'train_pipeline_fro'; did you mean ['train_pipeline']?"
