"""The bad-input catalogue (docs/en/troubleshooting.md, "When something is wrong"): each
bad input gets a one-line error naming the problem, and the work dir loses nothing.

The expected messages are the catalogue's data file, docs/en/_data/bad_inputs.yml, from
which the docs render the table: every record of it is a case here, and every case a
record, each message compared whole (``...`` in a message stands for a part that varies
from run to run: a path, a size).
"""
import hashlib
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Dict, List

import pytest
import torch
import yaml
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import BASELINE_CFG, FMNIST_ROOT, ROOT, subprocess_env, tiny_options

from sfkd.models.model_config import build_model
from sfkd.registry import MODELS
from sfkd.tools import test as test_tool
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.e2e

C = f'{ROOT}/configs'
KD = f'{C}/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
FITNETS = f'{C}/fitnets/fitnets_small-resnet_tiny-resnet_fashion-mnist.py'
SFTN = f'{C}/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'
SOT = f'{C}/soteacher/soteacher_small-resnet_fashion-mnist.py'
ENS = f'{C}/kd/kd-ensemble_small-resnet-x2_tiny-resnet_fashion-mnist.py'
KD_SFTN = f'{C}/kd/kd-sftn_small-resnet_tiny-resnet_fashion-mnist.py'
STUDENT = f'{C}/baseline/tiny-resnet_3e_fashion-mnist.py'
AT = f'{C}/at/at_small-resnet_tiny-resnet_fashion-mnist.py'
TFKD = f'{C}/tfkd/tfkd_tiny-resnet_fashion-mnist.py'
LWKD = f'{C}/lwkd/lwkd_lenet_tiny-resnet_fashion-mnist.py'
MRI_KD = f'{C}/mri/imitation-at_d5c5_d3c5_4x_mri-t1.py'
MRI = f'{C}/mri/dc-cnn-d3c5_4x_mri-t1.py'
NKD = f'{C}/nkd/nkd_small-resnet_tiny-resnet_fashion-mnist.py'
CTKD = f'{C}/ctkd/ctkd_small-resnet_tiny-resnet_fashion-mnist.py'
OFA = f'{C}/ofa/ofa_small-resnet_tiny-resnet_fashion-mnist.py'
REVIEWKD = f'{C}/reviewkd/reviewkd_small-resnet_tiny-resnet_fashion-mnist.py'
CATALOGUE = osp.join(ROOT, 'docs', 'en', '_data', 'bad_inputs.yml')
PREFIX = 'sfkd: error: '


class Plant:
    """Pickles as ``open(path, 'w')``: a checkpoint whose loading would create ``path``."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


def save(model, path) -> str:
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """Checkpoints (good, wrapper, damaged, malicious), bad configs and a bad data root."""
    d = tmp_path_factory.mktemp('files')
    out = {'dir': str(d), 'marker': str(d / 'MARKER')}
    with DefaultScope.overwrite_default_scope('sfkd'):
        for name, cfg in (('teacher', 'small_resnet_fmnist'), ('student', 'tiny_resnet_fmnist'),
                          ('lenet', 'lwkd/lenet_digits-10')):
            out[name] = save(build_model(dict(cfg_path=f'sfkd::_base_/models/{cfg}.py')),
                             d / f'{name}.pth')
        kd = Config.fromfile(KD).model.to_dict()
        kd['teacher_ckpt'] = out['teacher']
        distiller = MODELS.build(kd)
        out['distiller'] = save(distiller, d / 'distiller_epoch_1.pth')
        # as MMEngine saves it: the config of the run in meta['cfg']
        torch.save({'state_dict': distiller.state_dict(),
                    'meta': {'cfg': Config.fromfile(KD).pretty_text}}, d / 'kd_epoch_1.pth')
        out['kd_run'] = str(d / 'kd_epoch_1.pth')
        out['sftn'] = save(MODELS.build(Config.fromfile(SFTN).model.to_dict()),
                           d / 'sftn_epoch_1.pth')
        out['d5c4'] = save(MODELS.build(dict(type='DCCNN', arch='D5C4')), d / 'd5c4.pth')
    # a real 1-epoch run's checkpoint (meta, optimiser and message hub in it)
    run = d / 'baseline_run'
    train_tool.run([BASELINE_CFG, '--work-dir', str(run), *opt()])
    out['baseline_run'] = str(run / 'epoch_1.pth')
    (d / 'corrupt.pth').write_bytes((d / 'teacher.pth').read_bytes()[:200])
    out['corrupt'] = str(d / 'corrupt.pth')
    torch.save({'state_dict': {}, 'meta': Plant(out['marker'])}, d / 'evil.pth')
    out['evil'] = str(d / 'evil.pth')
    (d / 'teacher_run').mkdir()
    shutil.copy(out['teacher'], d / 'teacher_run' / 'teacher_final.pth')
    out['teacher_run'] = str(d / 'teacher_run')
    (d / 'a_file').write_text('not a directory\n')
    out['file'] = str(d / 'a_file')
    configs = {
        'syntax': "_base_ = ['sfkd::kd/kd_small-resnet_tiny-resnet_fashion-mnist.py']\n"
                  "model = dict(student_loss_weight=0.1\n",
        'loop_typo': f"_base_ = ['{BASELINE_CFG}']\ntrain_cfg = dict(max_epoch=2)\n",
        'optim_typo': f"_base_ = ['{BASELINE_CFG}']\n"
                      "optim_wrapper = dict(optimizer=dict(lrr=0.1))\n",
        'loop_options_typo': f"_base_ = ['{BASELINE_CFG}']\nval_cfg = dict(fp61=True)\n"
                             "test_cfg = dict(fp61=True)\n",
        'scheduler_typo': f"_base_ = ['{BASELINE_CFG}']\nparam_scheduler = [\n"
                          "    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,\n"
                          "         end=1),\n"
                          "    dict(type='CosineAnnealingLR', T_maxx=2, by_epoch=True, begin=1,\n"
                          "         end=3)]\n",
        'scheduler_type': f"_base_ = ['{BASELINE_CFG}']\n"
                          "param_scheduler = [dict(type='CosineLR', by_epoch=True, begin=0, "
                          "end=3)]\n",
        'model_typo': f"_base_ = ['{KD}']\nmodel = dict(student_loss_weigth=0.1)\n",
        'head_typo': f"_base_ = ['{BASELINE_CFG}']\nmodel = dict(head=dict(topkk=3))\n",
        'lwkd_plain_optim': f"_base_ = ['{LWKD}']\noptim_wrapper = dict(_delete_=True, "
                            "type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))\n",
    }
    for name, text in configs.items():
        (d / f'{name}.py').write_text(text)
        out[name] = str(d / f'{name}.py')
    # a data root with a truncated label file
    bad_root = d / 'truncated_fmnist'
    bad_root.mkdir()
    for name in ('train-images-idx3-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'):
        os.symlink(osp.join(FMNIST_ROOT, name), bad_root / name)
    labels = osp.join(FMNIST_ROOT, 'train-labels-idx1-ubyte')
    if osp.isfile(labels):
        (bad_root / 'train-labels-idx1-ubyte').write_bytes(open(labels, 'rb').read()[:1000])
    out['truncated_root'] = str(bad_root)
    return out


def opt(*extra):
    return ['--cfg-options', *tiny_options(train=64, test=32, batch=32), *extra]


def ens(f, *extra):
    """The two-teacher KD config, both teachers the small ResNet of ``files``."""
    return [ENS, *opt(f'model.teachers.a.ckpt={f["teacher"]}',
                      f'model.teachers.b.ckpt={f["teacher"]}', *extra)]


def kd(f, *extra):
    return [KD, *opt(f'model.teacher_ckpt={f["teacher"]}', *extra)]


@dataclass
class Case:
    """How to produce one row of the catalogue.

    Args:
        argv: ``files -> arguments`` of the tool.
        tool: ``'train'`` or ``'test'`` (``sfkd.tools``, in this process), or
            ``'cli'`` (a command line, run as a child process).
        work_dir: Pass ``--work-dir`` with a work dir holding an earlier run.
        earlier: The file (a key of ``files``) that the earlier run left as its
            ``epoch_1.pth``.
        pointer: Its ``last_checkpoint`` names that file (``'own'``), a file of
            another folder that has the same content (``'elsewhere'``), or is
            missing (``'none'``).
        dump: The config file name the earlier run dumped in its work dir
            (default: that of the config the tool is given).
        outcome: ``'error'``: the tool stops with the row's message; ``'log'``:
            the tool runs and the row's message is a line of its log (at the
            level the row's ``outcome`` names); no file is lost, and a resumed
            checkpoint is not written over.
    """

    argv: Callable[[Dict[str, str]], List[str]]
    tool: str = 'train'
    work_dir: bool = True
    earlier: str = 'teacher'
    pointer: str = 'own'
    dump: str = ''
    outcome: str = 'error'


# catalogue record (its "input", the table's "bad input" column) -> how to produce it
CASES: Dict[str, Case] = {
    'config file does not exist': Case(lambda f: [f'{C}/kd/nope.py']),
    'config is not valid Python': Case(lambda f: [f['syntax']]),
    'misspelled tap path': Case(lambda f: kd(f, 'model.student_taps.logits=head.fcc')),
    'misspelled attach path (SFTN)': Case(lambda f: [SFTN, *opt(
        "model.branches.0.attach=[('backbone.layer1','backbone.lyer1')]")]),
    'shapes that do not fit a loss, no connector': Case(lambda f: [FITNETS, *opt(
        f'model.teacher_ckpt={f["teacher"]}', 'model.loss_inputs.loss_hint.student=student.feat')]),
    'SFTN attach point that returns a tuple (a backbone\'s stages, a detector\'s FPN neck)': Case(
        lambda f: [SFTN, *opt("model.branches.0.attach=[('backbone','backbone')]")]),
    'SFTN attach path with an element index': Case(lambda f: [SFTN, *opt(
        "model.branches.0.attach=[('backbone.layer2','backbone[0]')]")]),
    'SFTN attach points of different resolution': Case(lambda f: [SFTN, *opt(
        "model.branches.0.attach=[('backbone.layer1','backbone.layer2')]")]),
    'teacher checkpoint missing': Case(lambda f: [KD, *opt(
        'model.teacher_ckpt=/nope/teacher.pth')]),
    'teacher checkpoint is a directory': Case(lambda f: [KD, *opt(
        f'model.teacher_ckpt={f["teacher_run"]}')]),
    'teacher checkpoint corrupt or truncated': Case(lambda f: [KD, *opt(
        f'model.teacher_ckpt={f["corrupt"]}')]),
    'teacher checkpoint of another architecture': Case(lambda f: [KD, *opt(
        f'model.teacher_ckpt={f["student"]}')]),
    'MRI teacher checkpoint of another cascade count': Case(lambda f: [
        MRI_KD, '--cfg-options', f'model.teacher_ckpt={f["d5c4"]}']),
    'teacher checkpoint of an SFTN run (the wrapper, not the teacher)': Case(lambda f: [KD, *opt(
        f'model.teacher_ckpt={f["sftn"]}')]),
    'teacher checkpoint whose unpickling would run code': Case(lambda f: [KD, *opt(
        f'model.teacher_ckpt={f["evil"]}')]),
    '`model.teacher_source` set together with `model.teacher`': Case(lambda f: kd(
        f, 'model.teacher_source.type=NoTeacher')),
    'teacher and student data preprocessors that pad to different sizes': Case(lambda f: kd(
        f, 'model.teacher.data_preprocessor.pad_size_divisor=32')),
    '`model.teachers` (several teachers) together with a single-teacher option': Case(
        lambda f: ens(f, f'model.teacher_ckpt={f["teacher"]}')),
    'a teacher named `data` or `student`': Case(lambda f: [ENS, *opt(
        'model.teachers.data.taps.logits=head.fc')]),
    'route from a teacher that is not in `model.teachers`': Case(lambda f: ens(
        f, 'model.loss_inputs.loss_kd_b.teacher=c.logits')),
    'a trainable teacher among several': Case(lambda f: ens(f, 'model.teachers.b.trainable=True')),
    "the second teacher's checkpoint missing": Case(lambda f: [ENS, *opt(
        f'model.teachers.a.ckpt={f["teacher"]}', 'model.teachers.b.ckpt=/nope.pth')]),
    'teacher cache with several teachers': Case(lambda f: ens(
        f, f'teacher_cache.root={f["dir"]}/cache')),
    'frozen teacher without a checkpoint': Case(lambda f: [KD, *opt('model.teacher_ckpt=None')]),
    'teacher and student with different class counts': Case(lambda f: kd(
        f, 'model.student.head.num_classes=100')),
    'unknown loss type': Case(lambda f: kd(f, 'model.distill_losses.loss_kd.type=KDLos')),
    'unknown connector type': Case(lambda f: [FITNETS, *opt(
        f'model.teacher_ckpt={f["teacher"]}', 'model.connectors.hint.type=ConvBN')]),
    'unknown regulariser type': Case(lambda f: [SOT, *opt(
        'model.regularizers.lipschitz.type=Lipschitz')]),
    '`logit_stand` that is not True or False': Case(lambda f: kd(
        f, 'model.distill_losses.loss_kd.logit_stand=yes')),
    'negative NKD `gamma`': Case(lambda f: [NKD, *opt(
        f'model.teacher_ckpt={f["teacher"]}', 'model.distill_losses.loss_nkd.gamma=-1')]),
    'misspelled type of a learnable temperature (CTKD)': Case(lambda f: [CTKD, *opt(
        f'model.teacher_ckpt={f["teacher"]}', 'model.distill_losses.loss_kd.tau.type=LearnableTemp')]),
    'OFA `eps` below 1': Case(lambda f: [OFA, *opt(
        f'model.teacher_ckpt={f["teacher"]}', 'model.distill_losses.loss_ofa.eps=0.5')]),
    'a list of stages through a connector that adapts one map (ReviewKD)': Case(lambda f: [
        REVIEWKD, *opt(f'model.teacher_ckpt={f["teacher"]}',
                       'model.connectors.review.type=ConvBNConnector')]),
    'CrossKD teacher path that is not a module of the teacher': Case(lambda f: kd(
        f, 'model.connectors.cross.type=TeacherPathConnector',
        'model.connectors.cross.paths=[head.fcc]',
        'model.loss_inputs.loss_kd.student=[student.logits,cross]')),
    'misspelled loss argument': Case(lambda f: kd(f, 'model.distill_losses.loss_kd.tua=4')),
    'zero temperature': Case(lambda f: kd(f, 'model.distill_losses.loss_kd.tau=0')),
    'negative temperature (SFTN imitation loss)': Case(lambda f: [SFTN, *opt(
        'model.imitation_loss.tau=-1')]),
    'SFTN branch reduction that is neither sum nor mean': Case(lambda f: [SFTN, *opt(
        'model.branch_reduction=avg')]),
    'loss weight that is not a number': Case(lambda f: kd(
        f, 'model.distill_losses.loss_kd.loss_weight=abc')),
    'route onto an argument the loss does not have': Case(lambda f: kd(
        f, 'model.loss_inputs.loss_kd.labels=data.gt_label')),
    'route from a tap that was not declared': Case(lambda f: kd(
        f, 'model.loss_inputs.loss_kd.student=student.feat')),
    'tap on a module that returns a tuple, no index': Case(lambda f: kd(
        f, 'model.student_taps.logits=backbone')),
    'tap index out of range': Case(lambda f: kd(f, 'model.student_taps.logits=backbone[3]')),
    'a teacher tap in a run without a teacher (teacher-free KD)': Case(lambda f: [TFKD, *opt(
        'model.loss_inputs.loss_tf.teacher=teacher.logits')]),
    "synthetic class count that is not the target's (LW-KD)": Case(lambda f: [LWKD, *opt(
        f'model.teacher_ckpt={f["lenet"]}', 'model.teacher_inputs.num_classes=12')]),
    'LW-KD student of another class count than its synthetic set and teacher (which agree)':
        Case(lambda f: [LWKD, *opt(f'model.teacher_ckpt={f["lenet"]}',
                                   'model.student.head.num_classes=100')]),
    'teacher cache bigger than the free disk space': Case(lambda f: kd(
        f, f'teacher_cache.root={f["dir"]}/cache', 'teacher_cache.views=1000000000000',
        'teacher_cache.max_gib=1e9', 'teacher_cache.progress=False')),
    'adversarial loss in a plain `Distiller` (LW-KD)': Case(lambda f: [LWKD, *opt(
        f'model.teacher_ckpt={f["lenet"]}', 'model.type=Distiller')]),
    '`AdversarialDistiller` with one plain optimiser (LW-KD)': Case(lambda f: [
        f['lwkd_plain_optim'], *opt(f'model.teacher_ckpt={f["lenet"]}')]),
    '`AdversarialDistiller` without an adversarial loss': Case(lambda f: kd(
        f, 'model.type=AdversarialDistiller')),
    '`input_shape` the models cannot take': Case(lambda f: kd(f, 'model.input_shape=(3,28,28)')),
    '`input_shape` given as one number': Case(lambda f: kd(f, 'model.input_shape=28')),
    'SFTN with no branches': Case(lambda f: [SFTN, *opt('model.branches=[]')]),
    'SoTeacher with no regularisers': Case(lambda f: [SOT, *opt('model.regularizers=None')]),
    'regularisers that are not a dict': Case(lambda f: [SOT, *opt('model.regularizers={}')]),
    'the former `FriendlyTeacher` type with no branches and no regularisers': Case(
        lambda f: [SFTN, *opt('model.type=FriendlyTeacher', 'model.branches=[]')]),
    'negative regulariser weight': Case(lambda f: [SOT, *opt(
        'model.regularizers.lipschitz.weight=-1')]),
    'Lipschitz steps that are not a step count': Case(lambda f: [SOT, *opt(
        'model.regularizers.lipschitz.steps=0')]),
    'branch-student init missing (KD from SFTN, teacher run without its export)': Case(
        lambda f: [KD_SFTN, *opt(f'model.teacher_ckpt={f["teacher_run"]}/teacher_final.pth')]),
    'consistency buffer of zero samples': Case(lambda f: [SOT, *opt(
        'model.regularizers.consistency.num_samples=0')]),
    'consistency buffer smaller than the data set': Case(lambda f: [SOT, *opt(
        'model.regularizers.consistency.num_samples=10')]),
    '`--cfg-options` key that matches nothing (a typo)': Case(lambda f: [BASELINE_CFG, *opt(
        'train_cfg.max_epoch=2')]),
    '`--cfg-options` optimiser key that matches nothing': Case(lambda f: [BASELINE_CFG, *opt(
        'optim_wrapper.optimizer.lrr=0.1')]),
    'misspelled loop option in a config': Case(lambda f: [f['loop_typo'], *opt()]),
    'misspelled optimiser option in a config': Case(lambda f: [f['optim_typo'], *opt()]),
    'misspelled scheduler option in a config': Case(lambda f: [f['scheduler_typo'], *opt()]),
    'unknown scheduler type in a config': Case(lambda f: [f['scheduler_type'], *opt()]),
    'misspelled validation-loop option in a config': Case(lambda f: [
        f['loop_options_typo'], *opt()]),
    '`tools/test.py` with a misspelled test-loop option in a config': Case(
        lambda f: [f['loop_options_typo'], f['teacher'], *opt()], tool='test'),
    'misspelled model option in a config': Case(lambda f: [f['model_typo'], *opt(
        f'model.teacher_ckpt={f["teacher"]}')]),
    'misspelled option of an mmpretrain model in a config': Case(lambda f: [f['head_typo'],
                                                                            *opt()]),
    '`max_epochs=0`': Case(lambda f: [BASELINE_CFG, *opt('train_cfg.max_epochs=0')]),
    '`max_epochs` that is not a whole number': Case(lambda f: [BASELINE_CFG, *opt(
        'train_cfg.max_epochs=1.5')]),
    '`teacher_cache` that is not a dict': Case(lambda f: [BASELINE_CFG, *opt('teacher_cache=True')]),
    'misspelled `teacher_cache` option': Case(lambda f: [BASELINE_CFG, *opt(
        'teacher_cache.rooot=/x')]),
    'data root missing': Case(lambda f: kd(f, 'train_dataloader.dataset.data_root=/nope/fm')),
    'data root that is a file': Case(lambda f: kd(
        f, f'train_dataloader.dataset.data_root={f["file"]}')),
    'zoo teacher with `pretrained=True` and no network': Case(lambda f: [KD, *opt(
        'model.teacher.cfg_path=mmpretrain::resnet/resnet18_8xb16_cifar10.py',
        'model.teacher.pretrained=True')]),
    'zoo config of a package MMEngine does not know': Case(lambda f: [KD, *opt(
        'model.teacher.cfg_path=mmfoo::resnet/resnet18.py')]),
    '`sync_bn` without a GPU': Case(lambda f: [BASELINE_CFG, *opt('sync_bn=torch')]),
    'data root that holds no Fashion-MNIST files': Case(lambda f: kd(
        f, f'train_dataloader.dataset.data_root={ROOT}/data')),
    'MRI validation or test set of the training split (shared slices or subjects)': Case(
        lambda f: [MRI, '--cfg-options', 'train_dataloader.dataset.indices=4',
                   'val_dataloader.dataset.datasets.0.split=train']),
    'MRI training set at acceleration 1': Case(lambda f: [
        MRI, '--cfg-options', 'train_dataloader.dataset.pipeline.1.mask.acceleration=1']),
    'truncated data file': Case(lambda f: kd(
        f, f'train_dataloader.dataset.data_root={f["truncated_root"]}')),
    'empty training set': Case(lambda f: [BASELINE_CFG, *opt(
        'train_dataloader.dataset.indices=[]', 'train_dataloader.dataset.serialize_data=False')]),
    'a loss becomes NaN or infinite': Case(lambda f: kd(
        f, 'model.distill_losses.loss_kd.loss_weight=nan')),
    'work dir is a file': Case(lambda f: [BASELINE_CFG, '--work-dir', f['file'], *opt()],
                               work_dir=False),
    'work dir under a file': Case(lambda f: [BASELINE_CFG, '--work-dir', f'{f["file"]}/run',
                                             *opt()], work_dir=False),
    'work dir that cannot be created': Case(lambda f: [
        BASELINE_CFG, '--work-dir', '/sys/sfkd-work', *opt()], work_dir=False),
    '`--resume` from a missing file': Case(lambda f: [BASELINE_CFG, '--resume',
                                                      '/nope/epoch_1.pth']),
    '`--resume` from a file that is not a checkpoint': Case(lambda f: [
        BASELINE_CFG, '--resume', f['file']]),
    '`--resume` from a checkpoint whose unpickling would run code': Case(lambda f: [
        BASELINE_CFG, '--resume', f['evil']]),
    '`--resume` in a work dir whose checkpoint another config wrote': Case(lambda f: [
        STUDENT, '--resume', *opt()]),
    '`--resume` with the config of another method on the same models (AT on a KD run)': Case(
        lambda f: [AT, '--resume', *opt(f'model.teacher_ckpt={f["teacher"]}')],
        earlier='kd_run', dump=osp.basename(KD)),
    "`--resume` with a config whose connector the run's checkpoint lacks (FitNets on a KD "
    'run)': Case(lambda f: [FITNETS, '--resume', *opt(f'model.teacher_ckpt={f["teacher"]}')],
                 earlier='kd_run', dump=osp.basename(KD)),
    "`--resume` with the student's own config in a distiller's work dir": Case(
        lambda f: [STUDENT, '--resume', *opt()], earlier='kd_run', dump=osp.basename(KD)),
    '`--resume` in a work dir without `last_checkpoint` (a copied `epoch_N.pth`)': Case(
        lambda f: [BASELINE_CFG, '--resume', *opt()], earlier='baseline_run', pointer='none',
        outcome='log'),
    "`--resume` in a copied work dir whose `last_checkpoint` names the original's file": Case(
        lambda f: [BASELINE_CFG, '--resume', *opt()], earlier='baseline_run', pointer='elsewhere',
        outcome='log'),
    'training without `--resume` in a work dir with checkpoints of an earlier run': Case(
        lambda f: [BASELINE_CFG, *opt()], earlier='baseline_run', outcome='log'),
    '`tools/test.py --show-dir` that cannot be written': Case(
        lambda f: [STUDENT, f['student'], '--show-dir', '/sys/sfkd-show', *opt()], tool='test'),
    '`tools/test.py` (`sfkd-test`) with the test data missing': Case(lambda f: [
        STUDENT, f['student'], *opt('test_dataloader.dataset.data_root=/nope/test')],
        tool='test'),
    '`tools/test.py` with a missing checkpoint': Case(
        lambda f: [STUDENT, '/nope.pth', *opt()], tool='test'),
    '`tools/test.py` with a truncated checkpoint': Case(
        lambda f: [STUDENT, f['corrupt'], *opt()], tool='test'),
    '`tools/test.py` with a checkpoint whose unpickling would run code': Case(
        lambda f: [STUDENT, f['evil'], *opt()], tool='test'),
    "`tools/test.py` with a distiller's `epoch_N.pth` on the student config": Case(
        lambda f: [STUDENT, f['distiller'], *opt()], tool='test'),
    "`tools/test.py` with an SFTN run's `epoch_N.pth` on the teacher config": Case(
        lambda f: [BASELINE_CFG, f['sftn'], *opt()], tool='test'),
    "`tools/test.py` with an SFTN run's `epoch_N.pth` on the student config": Case(
        lambda f: [STUDENT, f['sftn'], *opt()], tool='test'),
    '`tools/test.py` with a checkpoint of another architecture': Case(
        lambda f: [STUDENT, f['teacher'], *opt()], tool='test'),
    '`tools/test.py --launcher pytorch` outside torchrun': Case(
        lambda f: [STUDENT, f['student'], '--launcher', 'pytorch', *opt()], tool='test'),
    '`select_teacher.py` with a candidate checkpoint that does not exist': Case(
        lambda f: [sys.executable, 'tools/select_teacher.py', '/nope/teacher.pth',
                   '--student-config', KD, '--out', f'{f["dir"]}/selection'],
        tool='cli', work_dir=False),
    '`get_flops.py --shape` with channels the model does not take': Case(
        lambda f: [sys.executable, 'tools/analysis/get_flops.py', KD, '--shape', '3', '28', '28'],
        tool='cli', work_dir=False),
    '`--amp` without a GPU': Case(
        lambda f: [sys.executable, 'tools/train.py', BASELINE_CFG, '--amp'], tool='cli'),
    '`dist_train.sh CONFIG 0`': Case(
        lambda f: ['bash', 'tools/dist_train.sh', BASELINE_CFG, '0'], tool='cli'),
}


def catalogue() -> List[dict]:
    """The records of the catalogue's data file, in order."""
    with open(CATALOGUE) as f:
        return yaml.safe_load(f)


RECORDS = catalogue()
ROWS = {r['input']: r['message'] for r in RECORDS}            # bad input -> message
OUTCOMES = {r['input']: r.get('outcome', 'error') for r in RECORDS}
# a logged row's level in the run's log
LEVELS = {'log': 'INFO', 'warning': 'WARNING'}


def expected(row: str) -> 're.Pattern':
    """The catalogue's message as a pattern: ``...`` matches a varying part."""
    return re.compile('.*'.join(re.escape(part) for part in ROWS[row].split('...')), re.S)


def digest(path: str) -> dict:
    if osp.isfile(path):
        return {'': hashlib.sha256(open(path, 'rb').read()).hexdigest()}
    out = {}
    for dirpath, _, names in os.walk(path):
        for name in names:
            full = osp.join(dirpath, name)
            if osp.isfile(full):
                out[osp.relpath(full, path)] = hashlib.sha256(open(full, 'rb').read()).hexdigest()
    return out


def test_catalogue_and_cases_are_the_same_rows():
    assert len(ROWS) == len(RECORDS), 'an input listed twice in the catalogue'
    assert sorted(ROWS) == sorted(CASES)
    assert len(ROWS) >= 50
    # the catalogue says which inputs are refused and which are logged, as the cases do
    assert {row: OUTCOMES[row] != 'error' for row in CASES} == \
        {row: case.outcome == 'log' for row, case in CASES.items()}
    assert set(OUTCOMES.values()) <= {'error', *LEVELS}


def run_case(case: Case, argv: List[str], tmp_path) -> str:
    """Run one case; return the one-line message (without ``sfkd: error: ``)."""
    if case.tool == 'cli':
        proc = subprocess.run(argv, cwd=ROOT,
                              env=subprocess_env(), capture_output=True, text=True, timeout=120)
        assert proc.returncode != 0 and 'Traceback' not in proc.stderr, proc.stderr[-3000:]
        last = proc.stderr.strip().splitlines()[-1]
        return re.sub(r'^(sfkd|dist_train\.sh): error: ', '', last)
    tool = train_tool if case.tool == 'train' else test_tool
    with pytest.raises(SystemExit) as err:
        tool.run(argv)
    message = str(err.value.code)
    assert message.startswith(PREFIX) and '\n' not in message, message
    return message[len(PREFIX):]


@pytest.mark.parametrize('row', list(CASES))
def test_bad_input_gets_one_line_error_and_keeps_work_dir(row, files, tmp_path, fmnist_root):
    case = CASES[row]
    if torch.cuda.is_available() and ('--amp' in row or '--launcher' in row):
        pytest.skip('a GPU is present')
    argv = case.argv(files)
    if case.work_dir:
        work = tmp_path / 'work'
        work.mkdir()
        # a work dir with an earlier run's checkpoint, pointer and config dump in it
        (work / 'epoch_1.pth').write_bytes(open(files[case.earlier], 'rb').read())
        if case.pointer == 'own':
            (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
        elif case.pointer == 'elsewhere':  # a copied work dir: the pointer names the original
            original = tmp_path / 'original'
            original.mkdir()
            shutil.copy(work / 'epoch_1.pth', original / 'epoch_1.pth')
            (work / 'last_checkpoint').write_text(str(original / 'epoch_1.pth'))
        config = argv[0] if case.tool != 'cli' else argv[2]
        (work / (case.dump or osp.basename(config))).write_text('# the config of the earlier '
                                                                'run\n')
        argv = [*argv, '--work-dir', str(work)]
        watched = str(work)
    elif '--work-dir' not in argv:  # a tool without a work dir
        watched = files['file']
    else:  # the bad work dir itself, or the file in its way (if it is one of ours)
        watched = argv[argv.index('--work-dir') + 1]
        while not osp.exists(watched):
            watched = osp.dirname(watched)
        if not watched.startswith(files['dir']):
            watched = files['file']
    before = digest(watched)
    if case.outcome == 'log':
        tool = train_tool if case.tool == 'train' else test_tool
        tool.run(argv)
        logs = [osp.join(d, f) for d, _, names in os.walk(watched) for f in names
                if f.endswith('.log')]
        level = LEVELS[OUTCOMES[row]]
        lines = [re.sub(r'^\S+ \S+ - \S+ - ', '', line.rstrip('\n'))
                 for log in logs for line in open(log)]
        assert any(expected(row).fullmatch(line[len(f'{level} - '):]) for line in lines
                   if line.startswith(f'{level} - ')), \
            f'\ncatalogue ({level}): {ROWS[row]}\nlog:\n' + '\n'.join(lines[:40])
        after = digest(watched)
        assert set(before) <= set(after)  # nothing lost
        if '--resume' in argv:  # the checkpoint resumed from is read, not written over
            assert after['epoch_1.pth'] == before['epoch_1.pth']
        return
    message = run_case(case, argv, tmp_path)
    assert expected(row).fullmatch(message), f'\ncatalogue: {ROWS[row]}\nactual: {message}'
    after = digest(watched)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing changed or lost
    assert not osp.exists(files['marker'])  # no checkpoint ran code
    assert not osp.exists(osp.join(files['dir'], 'cache'))  # no refused cache left behind
    if case.work_dir:
        torch.load(osp.join(watched, 'epoch_1.pth'), weights_only=True)



# rows that cannot hold under MMEngine's own Runner.from_cfg, and why
NOT_UNDER_RUNNER = {
    'config file does not exist': "MMEngine's Config.fromfile reads the file before sfkd",
    'config is not valid Python': "MMEngine's Config.fromfile reads the file before sfkd",
    '`--cfg-options` key that matches nothing (a typo)': 'an option of the command line',
    '`--cfg-options` optimiser key that matches nothing': 'an option of the command line',
    'misspelled model option in a config': "MMEngine's Runner builds the model in its "
                                           'constructor, before any sfkd code runs',
    'misspelled option of an mmpretrain model in a config': "MMEngine's Runner builds the "
                                                            'model in its constructor',
    '`sync_bn` without a GPU': "MMEngine's Runner converts to SyncBatchNorm only in "
                               'distributed runs: one CPU process trains without it',
}


def config_only(case: Case) -> bool:
    """A training case given by a config and --cfg-options alone (no flag of the tool),
    refused with an error (not a logged warning)."""
    argv = case.argv(defaultdict(lambda: 'FILE'))
    return case.tool == 'train' and case.work_dir and case.outcome == 'error' and (
        len(argv) == 1 or (argv[1] == '--cfg-options' and len(argv) > 2))


UNDER_RUNNER = [row for row, case in CASES.items()
                if config_only(case) and row not in NOT_UNDER_RUNNER]


def test_rows_left_out_under_runner_from_cfg_are_rows():
    assert set(NOT_UNDER_RUNNER) <= {row for row, case in CASES.items() if config_only(case)}
    assert len(UNDER_RUNNER) >= 60


@pytest.mark.parametrize('row', UNDER_RUNNER)
def test_bad_input_under_runner_from_cfg(row, files, tmp_path, fmnist_root):
    """The same config refused with the same one line by MMEngine's own
    ``Runner.from_cfg(cfg).train()``, with nothing written into its work dir."""
    from mmengine.runner import Runner

    from sfkd.apis.pipeline import cfg_options
    from sfkd.utils.errors import SfkdError
    argv = CASES[row].argv(files)
    # the config's text unformatted: MMEngine's yapf pass (a second a runner) says nothing here
    cfg = Config.fromfile(argv[0], format_python_code=False)
    cfg.merge_from_dict(cfg_options(argv[2:]))
    work = tmp_path / 'work'
    work.mkdir()
    (work / 'epoch_1.pth').write_bytes(open(files['teacher'], 'rb').read())
    before = digest(str(work))
    # a name of its own: MMEngine's runner keys its logger and visualizer by the name and
    # the second it is built, and would hand this runner an earlier test's
    cfg.work_dir, cfg.experiment_name = str(work), tmp_path.name
    with pytest.raises(SfkdError) as err:
        Runner.from_cfg(cfg).train()
    assert expected(row).fullmatch(str(err.value)), \
        f'\ncatalogue: {ROWS[row]}\nactual: {err.value}'
    after = digest(str(work))
    assert {k: v for k, v in after.items() if k in before} == before
    assert not [k for k in after if k.endswith('.pth') and k not in before]
