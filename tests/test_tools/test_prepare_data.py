"""sfkd-prepare-data: each set goes where sfkd's configs look for it (under
SFKD_DATA_ROOT when set), a missing source is one line, and a clone's
tools/dataset_converters/*.py are its sub-commands."""
import os.path as osp
import sys

import pytest
from sfkd_testing import load_tool

from sfkd.tools.prepare_data import FOLDERS, main, parse_args
from sfkd.utils.config_loading import read_config

pytestmark = pytest.mark.unit

# a config that reads each set, with the key of its data root
READERS = {'fashion-mnist': ('sfkd::baseline/tiny-resnet_3e_fashion-mnist.py', 'train_dataloader'),
           'canvases': ('sfkd::baseline/fcn-r18w16_fashion-seg.py', 'train_dataloader'),
           'mri-t1': ('sfkd::mri/dc-cnn-d3c5_4x_mri-t1.py', 'val_dataloader')}
WRAPPERS = {'prepare_fashion_mnist.py': 'fashion-mnist', 'make_fashion_canvases.py': 'canvases',
            'prepare_mri_t1.py': 'mri-t1', 'make_synthetic_digits.py': 'synthetic-digits'}


def data_root(config: str, loader: str) -> str:
    dataset = read_config(config)[loader]['dataset']
    dataset = (dataset.get('datasets') or [dataset])[0]
    return osp.normpath(dataset['data_root'])


def test_each_set_goes_where_the_configs_read_it(monkeypatch, tmp_path):
    monkeypatch.delenv('SFKD_DATA_ROOT', raising=False)
    for name, (config, loader) in READERS.items():
        assert parse_args([name]).out == data_root(config, loader) == f'data/{FOLDERS[name]}'
    monkeypatch.setenv('SFKD_DATA_ROOT', str(tmp_path))
    canvases = parse_args(['canvases'])
    assert canvases.fmnist == f'{tmp_path}/fashion_mnist'
    assert canvases.out == f'{tmp_path}/fashion_canvases'
    assert parse_args(['mri-t1']).out == f'{tmp_path}/mri_t1'


def test_fashion_mnist_is_unpacked_once(tmp_path, capsys, fmnist_root):
    out = str(tmp_path / 'fashion_mnist')
    main(['fashion-mnist', '--out', out])
    assert capsys.readouterr().out == (
        f'Fashion-MNIST in {out}: unpacked train-images-idx3-ubyte, train-labels-idx1-ubyte, '
        't10k-images-idx3-ubyte, t10k-labels-idx1-ubyte\n')
    main(['fashion-mnist', '--out', out])
    assert capsys.readouterr().out == f'Fashion-MNIST in {out}: up to date\n'


def test_a_missing_source_is_one_line_with_the_fix(tmp_path):
    with pytest.raises(SystemExit) as err:
        main(['fashion-mnist', '--src', str(tmp_path / 'nowhere'), '--out', str(tmp_path / 'f')])
    assert err.value.code == (
        f'sfkd: error: {tmp_path}/nowhere/train-images-idx3-ubyte.gz not found: install the '
        'Debian package with `apt-get install dataset-fashion-mnist`, or pass --src to a folder '
        'holding the four Fashion-MNIST .gz files')
    with pytest.raises(SystemExit) as err:
        main(['canvases', '--fmnist', str(tmp_path / 'none'), '--out', str(tmp_path / 'c')])
    assert err.value.code == (
        f'sfkd: error: {tmp_path}/none/train-images-idx3-ubyte is missing; run '
        f'sfkd-prepare-data fashion-mnist --out {tmp_path}/none first')


@pytest.mark.parametrize('script, name', sorted(WRAPPERS.items()))
def test_the_converter_scripts_are_its_sub_commands(script, name, monkeypatch, capsys):
    tool = load_tool(f'tools/dataset_converters/{script}', script[:-3])
    monkeypatch.setattr(sys, 'argv', [script, '--help'])
    with pytest.raises(SystemExit) as err:
        tool.main()
    assert err.value.code == 0
    assert capsys.readouterr().out.startswith(f'usage: sfkd-prepare-data {name} ')
