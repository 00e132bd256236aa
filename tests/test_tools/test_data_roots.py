"""Relative data roots are found in sfkd's data folder; every bad root is named at once."""
import os
import os.path as osp

import pytest
from mmengine.config import Config
from sfkd_testing import BASELINE_CFG, ROOT, tiny_options

from sfkd.tools import test as test_tool
from sfkd.tools import train as train_tool
from sfkd.datasets.data_roots import resolve_data_roots
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


# a dataset type whose folder is not checked for files (a FashionMNIST folder must hold
# its four IDX files, tests/test_datasets/test_idx_files.py)
FOLDER = 'mmpretrain.CustomDataset'


def config(*roots) -> Config:
    """A config whose three dataloaders read ``roots`` (one each, or one for all)."""
    roots = roots * 3 if len(roots) == 1 else roots
    return Config({name: dict(dataset=dict(type=FOLDER, data_root=root))
                   for name, root in zip(LOADERS, roots)})


def roots(cfg: Config) -> list:
    return [cfg[name].dataset.data_root for name in LOADERS]


@pytest.fixture
def outside(tmp_path, monkeypatch):
    """A working directory outside the repository, with SFKD_DATA_ROOT unset."""
    work = tmp_path / 'project'
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv('SFKD_DATA_ROOT', raising=False)
    return work


def test_a_root_in_the_working_directory_is_kept(outside):
    (outside / 'data' / 'fashion_mnist').mkdir(parents=True)
    cfg = config('data/fashion_mnist')
    resolve_data_roots(cfg)
    assert roots(cfg) == ['data/fashion_mnist'] * 3


def test_sfkd_data_root_replaces_the_data_folder(outside, tmp_path, monkeypatch):
    store = tmp_path / 'store'
    (store / 'fashion_mnist').mkdir(parents=True)
    (store / 'cifar100').mkdir()
    monkeypatch.setenv('SFKD_DATA_ROOT', str(store))
    cfg = config('data/fashion_mnist', 'fashion_mnist', './data/cifar100')
    resolve_data_roots(cfg)
    assert roots(cfg) == [str(store / 'fashion_mnist'), str(store / 'fashion_mnist'),
                          str(store / 'cifar100')]


def test_default_is_the_data_folder_of_the_sfkd_checkout(outside):
    cfg = config('data/fashion_mnist')
    resolve_data_roots(cfg)
    assert roots(cfg) == [osp.join(ROOT, 'data', 'fashion_mnist')] * 3


def test_wrapped_datasets_are_resolved_and_urls_left_alone(outside, tmp_path, monkeypatch):
    store = tmp_path / 'store'
    (store / 'fashion_mnist').mkdir(parents=True)
    monkeypatch.setenv('SFKD_DATA_ROOT', str(store))
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(type='RepeatDataset', times=2, dataset=dict(
            type=FOLDER, data_root='data/fashion_mnist'))),
        val_dataloader=dict(dataset=dict(type='ConcatDataset', datasets=[
            dict(type=FOLDER, data_root='data/fashion_mnist'),
            dict(type=FOLDER, data_root='s3://bucket/fashion_mnist')]))))
    resolve_data_roots(cfg)
    assert cfg.train_dataloader.dataset.dataset.data_root == str(store / 'fashion_mnist')
    assert cfg.val_dataloader.dataset.datasets[0].data_root == str(store / 'fashion_mnist')
    assert cfg.val_dataloader.dataset.datasets[1].data_root == 's3://bucket/fashion_mnist'


def test_every_missing_root_in_one_message_outside_the_repository(outside, tmp_path,
                                                                  monkeypatch):
    store = tmp_path / 'empty'
    store.mkdir()
    monkeypatch.setenv('SFKD_DATA_ROOT', str(store))
    with pytest.raises(BadConfigError) as err:
        resolve_data_roots(config('data/fashion_mnist', 'data/fashion_mnist', '/nope/cifar'))
    assert str(err.value) == (
        "train_dataloader.dataset.data_root 'data/fashion_mnist' does not exist, "
        "val_dataloader.dataset.data_root 'data/fashion_mnist' does not exist, "
        "test_dataloader.dataset.data_root '/nope/cifar' does not exist "
        f"(looked in the working directory {outside} and in SFKD_DATA_ROOT={store}); "
        f"run `bash {ROOT}/tools/setup.sh` to prepare Fashion-MNIST, "
        "or set SFKD_DATA_ROOT to the folder that holds the data sets, "
        "or set each with --cfg-options train_dataloader.dataset.data_root=PATH "
        "val_dataloader.dataset.data_root=PATH test_dataloader.dataset.data_root=PATH")


def test_in_the_repository_the_setup_command_is_relative(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv('SFKD_DATA_ROOT', str(tmp_path))
    with pytest.raises(BadConfigError) as err:
        resolve_data_roots(config('missing/fashion_mnist'))
    assert '; run `bash tools/setup.sh` to prepare Fashion-MNIST, or set SFKD_DATA_ROOT' \
        in str(err.value)


def test_an_absolute_root_gets_no_setup_or_environment_advice(outside):
    with pytest.raises(BadConfigError) as err:
        resolve_data_roots(Config(dict(train_dataloader=dict(dataset=dict(data_root='/nope/fm')))))
    assert str(err.value) == ("train_dataloader.dataset.data_root '/nope/fm' does not exist; "
                              'set it with --cfg-options train_dataloader.dataset.data_root=PATH')


def test_a_file_is_reported_as_a_file(outside, tmp_path):
    afile = tmp_path / 'train-images-idx3-ubyte'
    afile.write_bytes(b'\0' * 16)
    with pytest.raises(BadConfigError) as err:
        resolve_data_roots(config(str(afile), osp.join(ROOT, 'data', 'fashion_mnist'),
                                  osp.join(ROOT, 'data', 'fashion_mnist')))
    assert str(err.value) == (
        f"train_dataloader.dataset.data_root '{afile}' is a file, not a directory; "
        'set it with --cfg-options train_dataloader.dataset.data_root=PATH')
    assert 'does not exist' not in str(err.value)


def test_train_tool_reports_it_as_one_line_before_building(outside, tmp_path, monkeypatch):
    monkeypatch.setenv('SFKD_DATA_ROOT', str(tmp_path / 'nowhere'))
    work = outside / 'work'
    with pytest.raises(SystemExit) as err:
        train_tool.run([BASELINE_CFG, '--work-dir', str(work)])
    message = str(err.value.code)
    assert message.startswith('sfkd: error: train_dataloader.dataset.data_root '
                              "'data/fashion_mnist' does not exist, val_dataloader")
    assert '\n' not in message and 'val_dataloader.dataset.data_root=PATH' in message
    assert 'test_dataloader' not in message  # training does not read the test set
    assert not work.exists()  # nothing was built, nothing written
    assert os.listdir(outside) == []


def test_a_coco_annotation_file_is_found_where_its_data_root_is(outside, tmp_path, monkeypatch):
    store = tmp_path / 'store'
    (store / 'fashion_canvases' / 'annotations').mkdir(parents=True)
    (store / 'fashion_canvases' / 'annotations' / 'val.json').write_text('{}')
    monkeypatch.setenv('SFKD_DATA_ROOT', str(store))
    cfg = config('data/fashion_canvases/')
    cfg.val_evaluator = dict(type='mmdet.CocoMetric',
                             ann_file='data/fashion_canvases/annotations/val.json')
    cfg.test_evaluator = dict(type='mmdet.CocoMetric',
                              ann_file='data/fashion_canvases/annotations/test.json')
    with pytest.raises(BadConfigError) as err:  # test.json is not there
        resolve_data_roots(cfg)
    assert "test_evaluator.ann_file 'data/fashion_canvases/annotations/test.json' does not " \
           'exist' in str(err.value) and 'val_evaluator' not in str(err.value)
    assert 'to prepare the Fashion-MNIST canvases' in str(err.value)
    (store / 'fashion_canvases' / 'annotations' / 'test.json').write_text('{}')
    resolve_data_roots(cfg)
    assert roots(cfg) == [str(store / 'fashion_canvases')] * 3
    assert cfg.val_evaluator.ann_file == str(store / 'fashion_canvases/annotations/val.json')


def test_each_command_checks_only_the_data_it_reads(tmp_path, fmnist_root):
    """Training needs no test set; testing needs neither the train nor the val set."""
    tiny = f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py'
    work = str(tmp_path / 'work')
    train_tool.run([tiny, '--work-dir', work, '--cfg-options',
                    *tiny_options(train=32, test=32, batch=32),
                    'test_dataloader.dataset.data_root=/nope/test'])
    ckpt = osp.join(work, 'epoch_1.pth')
    no_training_data = ['train_dataloader.dataset.data_root=/nope/train',
                        'val_dataloader.dataset.data_root=/nope/val']
    metrics = test_tool.run([tiny, ckpt, '--work-dir', work, '--cfg-options',
                             *tiny_options(train=32, test=32), *no_training_data])
    assert 'accuracy/top1' in metrics
    with pytest.raises(SystemExit) as err:
        test_tool.run([tiny, ckpt, '--work-dir', work, '--cfg-options',
                       *tiny_options(train=32, test=32), *no_training_data,
                       'test_dataloader.dataset.data_root=/nope/test'])
    assert str(err.value.code) == (
        "sfkd: error: test_dataloader.dataset.data_root '/nope/test' does not exist; "
        'set it with --cfg-options test_dataloader.dataset.data_root=PATH')


def test_only_the_named_loaders_and_their_evaluators_are_checked(outside):
    cfg = config('/nope/train', '/nope/val', osp.join(ROOT, 'data', 'fashion_mnist'))
    cfg.val_evaluator = dict(type='mmdet.CocoMetric', ann_file='nope/val.json')
    resolve_data_roots(cfg, ('test_dataloader',))
    with pytest.raises(BadConfigError) as err:
        resolve_data_roots(cfg, ('train_dataloader', 'val_dataloader'))
    assert str(err.value).startswith("train_dataloader.dataset.data_root '/nope/train' does not "
                                     "exist, val_dataloader.dataset.data_root '/nope/val' does "
                                     "not exist, val_evaluator.ann_file 'nope/val.json' does not")
