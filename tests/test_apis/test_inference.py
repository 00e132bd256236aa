"""Inference on an exported student in one line (sfkd.apis.inference)."""
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine import DefaultScope
from sfkd_testing import ROOT, tiny_options

from sfkd.apis import inference_classifier, init_classifier
from sfkd.models.model_config import build_model

pytestmark = pytest.mark.integration

KD = f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
STUDENT = 'sfkd::baseline/tiny-resnet_3e_fashion-mnist.py'
CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
           'Sneaker', 'Bag', 'Ankle boot']  # Fashion-MNIST's label order


def fmnist_test_images(root, n):
    with open(osp.join(root, 't10k-images-idx3-ubyte'), 'rb') as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return data[:n * 784].reshape(n, 28, 28)


@pytest.fixture(scope='module')
def exported_student(tmp_path_factory, fmnist_root):
    """student_final.pth of a short real KD run."""
    folder = tmp_path_factory.mktemp('kd')
    with DefaultScope.overwrite_default_scope('sfkd'):
        torch.manual_seed(0)
        teacher = build_model(dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'))
    torch.save({'state_dict': teacher.state_dict()}, folder / 'teacher.pth')
    from sfkd.tools import train as train_tool  # the run makes an artefact: in this process
    train_tool.run([KD, '--work-dir', str(folder / 'work'), '--cfg-options',
                    *tiny_options(train=512, test=64, batch=64),
                    f'model.teacher_ckpt={folder / "teacher.pth"}'])
    return str(folder / 'work' / 'student_final.pth')


def test_exported_student_classifies_a_real_image_in_one_line(exported_student, tmp_path,
                                                             fmnist_root):
    image = fmnist_test_images(fmnist_root, 1)[0]
    png = str(tmp_path / 'item.png')
    mmcv.imwrite(image, png)
    model = init_classifier(STUDENT, exported_student)
    result = inference_classifier(model, png)

    # the same student by hand: its weights, the config's normalisation, plain PyTorch
    state = torch.load(exported_student, map_location='cpu', weights_only=True)['state_dict']
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in state.items())
    x = (torch.from_numpy(image).float()[None, None] - 72.94) / 90.02
    with torch.no_grad():
        logits = model.head.fc(model.neck(model.backbone(x))[-1])
    probs = logits.softmax(-1)[0]
    assert result['pred_label'] == int(probs.argmax())
    assert result['pred_score'] == pytest.approx(float(probs.max()), abs=1e-5)
    assert result['pred_class'] == CLASSES[result['pred_label']]
    # an array works as well as a file
    assert inference_classifier(model, image)['pred_label'] == result['pred_label']


def test_mmpretrain_inferencer_accepts_the_built_model(exported_student, fmnist_root):
    from mmpretrain.apis import ImageClassificationInferencer
    images = fmnist_test_images(fmnist_root, 4)
    model = init_classifier(STUDENT, exported_student)
    results = ImageClassificationInferencer(model=model)(list(images))
    assert [r['pred_label'] for r in results] == \
        [inference_classifier(model, img)['pred_label'] for img in images]


def test_wrong_checkpoint_is_refused(tmp_path):
    torch.save({'state_dict': {'w': torch.zeros(1)}}, tmp_path / 'other.pth')
    with pytest.raises(ValueError, match='does not fit the classifier model'):
        init_classifier(STUDENT, str(tmp_path / 'other.pth'))


def test_exported_student_carries_the_class_names(exported_student):
    """As in MMEngine's own checkpoints: meta['dataset_meta'] of the train dataset."""
    meta = torch.load(exported_student, map_location='cpu', weights_only=True)['meta']
    assert list(meta['dataset_meta']['classes']) == CLASSES


def test_mmpretrain_inferencer_reads_grey_and_colour_pngs(exported_student, tmp_path,
                                                          fmnist_root):
    """mmpretrain's inferencer reads every file in colour; the one-channel model gets grey."""
    import cv2
    from mmpretrain.apis import ImageClassificationInferencer
    model = init_classifier(STUDENT, exported_student)
    inferencer = ImageClassificationInferencer(model=model)
    for i, image in enumerate(fmnist_test_images(fmnist_root, 3)):
        expected = inference_classifier(model, image)
        grey, rgb = str(tmp_path / f'grey{i}.png'), str(tmp_path / f'rgb{i}.png')
        mmcv.imwrite(image, grey)
        mmcv.imwrite(np.repeat(image[..., None], 3, axis=2), rgb)
        assert mmcv.imread(grey, flag='unchanged').ndim == 2  # a one-channel PNG file
        for png in (grey, rgb):
            result = inferencer(png)[0]
            assert result['pred_label'] == expected['pred_label']
            assert result['pred_score'] == pytest.approx(expected['pred_score'], abs=1e-6)
    # a coloured image: its luminance, as OpenCV computes it from BGR
    colour = np.stack([image, image // 2, 255 - image], axis=2)
    mmcv.imwrite(colour, str(tmp_path / 'colour.png'))
    assert inferencer(str(tmp_path / 'colour.png'))[0]['pred_label'] == inference_classifier(
        model, cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY))['pred_label']


def test_an_image_of_other_channels_is_refused_in_one_line(exported_student, fmnist_root):
    from mmpretrain.apis import ImageClassificationInferencer

    from sfkd.utils.errors import BadConfigError
    model = init_classifier(STUDENT, exported_student)
    image = np.zeros((28, 28, 4), dtype=np.uint8)  # RGBA
    with pytest.raises(BadConfigError) as err:
        ImageClassificationInferencer(model=model)(image)
    assert str(err.value) == ('an image of shape (28, 28, 4) has 4 channels, the model takes '
                              '1 (grey); pass an HxW grey or an HxWx3 colour (BGR) image')
