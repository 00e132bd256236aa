"""The bad-input catalogue (README, "When something is wrong"): each bad input
gets a one-line error naming the problem, and the work dir loses nothing."""
import hashlib
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine import DefaultScope
from sfkd_testing import BASELINE_CFG, ROOT, subprocess_env, tiny_options

from sfkd.models.model_config import build_model
from sfkd.tools import test as test_tool
from sfkd.tools import train as train_tool

C = f'{ROOT}/configs'
KD = f'{C}/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
FITNETS = f'{C}/fitnets/fitnets_small-resnet_tiny-resnet_fashion-mnist.py'
SFTN = f'{C}/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'
SOT = f'{C}/soteacher/soteacher_small-resnet_fashion-mnist.py'
STUDENT = f'{C}/baseline/tiny-resnet_3e_fashion-mnist.py'


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    """A (random) teacher checkpoint, a student one, a corrupt file and a bad config."""
    d = tmp_path_factory.mktemp('ckpts')
    with DefaultScope.overwrite_default_scope('sfkd'):
        for name, cfg in (('teacher', 'small_resnet_fmnist'), ('student', 'tiny_resnet_fmnist')):
            model = build_model(dict(cfg_path=f'sfkd::_base_/models/{cfg}.py'))
            torch.save({'state_dict': model.state_dict()}, d / f'{name}.pth')
    (d / 'corrupt.pth').write_bytes((d / 'teacher.pth').read_bytes()[:200])
    (d / 'syntax.py').write_text("_base_ = ['sfkd::kd/kd_small-resnet_tiny-resnet_fashion-mnist.py']\n"
                                 "model = dict(student_loss_weight=0.1\n")
    return {k: str(d / f'{k}.pth') for k in ('teacher', 'student', 'corrupt')} | \
        {'syntax': str(d / 'syntax.py'), 'dir': str(d)}


def opt(*extra):
    return ['--cfg-options', *tiny_options(train=64, test=32, batch=32), *extra]


# (id, how to call, the words the one-line error must contain)
CASES = [
    ('missing config', lambda c: [f'{C}/kd/nope.py'], "config file"),
    ('malformed config', lambda c: [c['syntax']], 'is not valid Python'),
    ('misspelled tap path', lambda c: [KD, *opt(f'model.teacher_ckpt={c["teacher"]}',
                                                'model.student_taps.logits=head.fcc')],
     "student has no module 'head.fcc'; closest valid paths: ['head.fc'"),
    ('misspelled attach path', lambda c: [SFTN, *opt(
        "model.branches.0.attach=[('backbone.layer1','backbone.lyer1')]")],
     "student has no module 'backbone.lyer1'"),
    ('shape mismatch without connector', lambda c: [FITNETS, *opt(
        f'model.teacher_ckpt={c["teacher"]}', 'model.loss_inputs.loss_hint.student=student.feat')],
     "(2, 32, 7, 7)"),
    ('attach points of different resolution', lambda c: [SFTN, *opt(
        "model.branches.0.attach=[('backbone.layer1','backbone.layer2')]")],
     'attach at stages of the same resolution'),
    ('missing teacher checkpoint', lambda c: [KD, *opt('model.teacher_ckpt=/nope/teacher.pth')],
     "teacher checkpoint '/nope/teacher.pth' not found"),
    ('corrupt teacher checkpoint', lambda c: [KD, *opt(f'model.teacher_ckpt={c["corrupt"]}')],
     'is not a loadable checkpoint'),
    ('wrong-architecture teacher checkpoint', lambda c: [KD, *opt(
        f'model.teacher_ckpt={c["student"]}')], 'does not fit the teacher model'),
    ('no teacher checkpoint for a frozen teacher', lambda c: [KD, *opt('model.teacher_ckpt=None')],
     'teacher_ckpt is required'),
    ('class-count mismatch', lambda c: [KD, *opt(
        f'model.teacher_ckpt={c["teacher"]}', 'model.student.head.num_classes=100')],
     '(2, 100)'),
    ('unknown loss type', lambda c: [KD, *opt(f'model.teacher_ckpt={c["teacher"]}',
                                              'model.distill_losses.loss_kd.type=KDLos')],
     "distill_losses.loss_kd: unknown type 'KDLos'; did you mean ['KDLoss'"),
    ('unknown connector type', lambda c: [FITNETS, *opt(
        f'model.teacher_ckpt={c["teacher"]}', 'model.connectors.hint.type=ConvBN')],
     "connectors.hint: unknown type 'ConvBN'"),
    ('unknown regulariser type', lambda c: [SOT, *opt(
        'model.regularizers.lipschitz.type=Lipschitz')], "unknown type 'Lipschitz'"),
    ('bad loss argument', lambda c: [KD, *opt(f'model.teacher_ckpt={c["teacher"]}',
                                              'model.distill_losses.loss_kd.tua=4')],
     "unexpected keyword argument 'tua'"),
    ('mapping onto a missing loss argument', lambda c: [KD, *opt(
        f'model.teacher_ckpt={c["teacher"]}', 'model.loss_inputs.loss_kd.labels=data.gt_label')],
     "maps onto ['labels'], which the loss does not accept"),
    ('route from an undeclared tap', lambda c: [KD, *opt(
        f'model.teacher_ckpt={c["teacher"]}', 'model.loss_inputs.loss_kd.student=student.feat')],
     "'student.feat' is not a declared tap"),
    ('wrong input shape', lambda c: [KD, *opt(f'model.teacher_ckpt={c["teacher"]}',
                                              'model.input_shape=(3,28,28)')],
     'cannot run on an input of shape (2, 3, 28, 28)'),
    ('missing data root', lambda c: [KD, *opt(f'model.teacher_ckpt={c["teacher"]}',
                                              'train_dataloader.dataset.data_root=/nope/fm')],
     "train_dataloader.dataset.data_root '/nope/fm' does not exist"),
    ('empty data set', lambda c: [BASELINE_CFG, *opt('train_dataloader.dataset.indices=[]',
                                                     'train_dataloader.dataset.serialize_data=False')],
     'has no samples'),
    ('non-finite loss', lambda c: [KD, *opt(f'model.teacher_ckpt={c["teacher"]}',
                                            'model.distill_losses.loss_kd.loss_weight=nan')],
     'non-finite loss at iteration 1 (epoch 1): distill.loss_kd=nan'),
    ('consistency buffer too small', lambda c: [SOT, *opt(
        'model.regularizers.consistency.num_samples=10')],
     'set num_samples to the size of the training set'),
    ('resume from a missing checkpoint', lambda c: [BASELINE_CFG, '--resume', '/nope/epoch_1.pth'],
     '--resume /nope/epoch_1.pth: no such checkpoint file'),
    ('resume from a file that is not a checkpoint', lambda c: [
        BASELINE_CFG, '--resume', f'{ROOT}/README.md'], 'is not a loadable checkpoint'),
]


def digest(folder: str) -> dict:
    out = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            path = osp.join(dirpath, name)
            out[osp.relpath(path, folder)] = hashlib.sha256(open(path, 'rb').read()).hexdigest()
    return out


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_one_line_error_and_keeps_work_dir(case, ckpts, tmp_path, fmnist_root):
    _, argv, words = case
    work = tmp_path / 'work'
    work.mkdir()
    # a work dir with an earlier run's checkpoint and pointer in it
    (work / 'epoch_1.pth').write_bytes(open(ckpts['teacher'], 'rb').read())
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    before = digest(str(work))
    with pytest.raises(SystemExit) as err:
        train_tool.run([*argv(ckpts), '--work-dir', str(work)])
    message = str(err.value.code)
    assert message.startswith('sfkd: error: ') and '\n' not in message
    assert words in message, message
    after = digest(str(work))
    assert {k: v for k, v in after.items() if k in before} == before  # nothing changed or lost
    torch.load(work / 'epoch_1.pth', weights_only=True)


def test_catalogue_has_at_least_twenty_cases():
    assert len(CASES) + 3 >= 20  # + the three cases below


def test_missing_checkpoint_for_test_tool(tmp_path):
    with pytest.raises(SystemExit, match="checkpoint '/nope.pth' not found"):
        test_tool.run([STUDENT, '/nope.pth', '--work-dir', str(tmp_path)])


@pytest.mark.parametrize('args, words', [
    (['bash', 'tools/dist_train.sh', BASELINE_CFG, '0'], 'GPUS must be a positive integer'),
    ([sys.executable, 'tools/train.py', BASELINE_CFG, '--amp'], '--amp needs a GPU'),
])
def test_command_line_cases(args, words, tmp_path):
    if '--amp' in args and torch.cuda.is_available():
        pytest.skip('a GPU is present')
    proc = subprocess.run([*args, '--work-dir', str(tmp_path)], cwd=ROOT, env=subprocess_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and words in proc.stderr and 'Traceback' not in proc.stderr
