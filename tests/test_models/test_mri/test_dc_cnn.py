"""DC-CNN: data consistency, presets, modes, named cascades and clear errors."""
import pytest
import torch
from mmengine.structures import BaseDataElement

from sfkd.engine.checkpoint_io import load_weights
from sfkd.models.mri import DataConsistency, DCCNN, pack_inputs
from sfkd.utils.errors import BadConfigError, CheckpointError

pytestmark = pytest.mark.unit


def _scan(image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Packed inputs of a real image (N, 1, H, W) under mask (H or W lines)."""
    kspace = torch.fft.fft2(image.to(torch.complex128), norm='ortho')
    return pack_inputs(kspace * mask, mask)[:, 0]  # (N, 3, H, W)


def test_full_mask_returns_the_ground_truth():
    torch.manual_seed(0)
    gt = torch.rand(2, 1, 8, 6, dtype=torch.float64)
    full = torch.ones(1, 6, dtype=torch.float64)
    kspace = torch.fft.fft2(gt.to(torch.complex128), norm='ortho')
    anything = torch.randn(2, 1, 8, 6, dtype=torch.float64)  # what a CNN might output
    out = DataConsistency()(anything, kspace, full)
    assert torch.allclose(out, gt, atol=1e-12, rtol=0)


def test_dc_keeps_measured_lines_and_the_prediction_elsewhere():
    torch.manual_seed(0)
    gt, pred = torch.rand(1, 1, 8, 8, dtype=torch.float64), torch.rand(1, 1, 8, 8,
                                                                      dtype=torch.float64)
    mask = torch.zeros(1, 8, dtype=torch.float64)
    mask[0, [0, 1, 5]] = 1
    y = torch.fft.fft2(gt.to(torch.complex128), norm='ortho') * mask
    out = DataConsistency()(pred, y, mask)
    # by hand: column j of k-space is y's where measured, pred's elsewhere
    k_pred = torch.fft.fft2(pred.to(torch.complex128), norm='ortho')
    expected = k_pred.clone()
    expected[..., [0, 1, 5]] = y[..., [0, 1, 5]]
    assert torch.allclose(out, torch.fft.ifft2(expected, norm='ortho').real, atol=1e-12)


def test_presets_have_the_papers_parameter_counts_and_named_cascades():
    teacher, student = DCCNN(arch='D5C5'), DCCNN(arch='D3C5')
    assert sum(p.numel() for p in teacher.parameters()) == 141765
    assert sum(p.numel() for p in student.parameters()) == 49285
    names = dict(teacher.named_modules())
    assert {'zero_filled', 'cascades.0', 'cascades.4', 'cascades.2.cnn.relu3',
            'cascades.4.cnn.conv5'} <= set(names)
    assert 'cascades.5' not in names and 'cascades.0.cnn.conv6' not in names
    assert DCCNN(num_cascades=2, convs_per_cascade=4).arch == 'D4C2'


@pytest.mark.parametrize('batch', [1, 3])
def test_modes_on_any_batch_size(batch):
    torch.manual_seed(0)
    model = DCCNN(arch='D3C5')
    gt = torch.rand(batch, 1, 16, 16)
    mask = torch.zeros(1, 16)
    mask[0, ::3] = 1
    inputs = _scan(gt.double(), mask.double()).float()
    samples = [BaseDataElement(gt_img=g) for g in gt]
    out = model(inputs, mode='tensor')
    assert out.shape == (batch, 1, 16, 16)
    loss = model(inputs, samples, mode='loss')
    assert set(loss) == {'loss'}
    assert torch.isclose(loss['loss'], (out - gt).abs().mean())
    preds = model(inputs, samples, mode='predict')
    assert len(preds) == batch and preds[0].pred_img.shape == (1, 16, 16)
    assert torch.allclose(torch.stack([p.pred_img for p in preds]), out.detach())


def test_zero_cascades_is_the_zero_filled_reconstruction():
    gt = torch.rand(1, 1, 8, 8, dtype=torch.float64)
    mask = torch.zeros(1, 8, dtype=torch.float64)
    mask[0, [0, 3]] = 1
    inputs = _scan(gt, mask)
    y = torch.fft.fft2(gt.to(torch.complex128), norm='ortho') * mask
    expected = torch.fft.ifft2(y, norm='ortho').real
    assert torch.allclose(DCCNN(num_cascades=0)(inputs), expected, atol=1e-12)


def test_inputs_that_are_not_packed_kspace_are_refused():
    with pytest.raises(BadConfigError, match=r'\(N, 3, H, W\).*got \(2, 1, 8, 8\)'):
        DCCNN(arch='D3C5')(torch.zeros(2, 1, 8, 8))
    with pytest.raises(BadConfigError, match="'D<convs>C<cascades>'"):
        DCCNN(arch='5x5')


def test_a_checkpoint_of_another_cascade_count_is_explained(tmp_path):
    path = str(tmp_path / 'd3c4.pth')
    torch.save(dict(state_dict=DCCNN(arch='D3C4').state_dict()), path)
    with pytest.raises(CheckpointError, match=r'D3C4 DC-CNN \(4 cascades\) but the model is '
                                              r'D3C5 \(5 cascades\); set the model arch'):
        load_weights(DCCNN(arch='D3C5'), path, owner='student')
    load_weights(DCCNN(arch='D3C4'), path, owner='student')  # the matching model loads it
