import copy
import math

import numpy as np
import pytest
import torch

from sfkd.models.losses import CRDLoss
from sfkd.registry import MODELS

pytestmark = pytest.mark.unit

NUM_DATA, T, MOMENTUM, EPS = 5, 0.07, 0.5, 1e-7
W_S, B_S = np.array([[1., 0.], [0., 1.]]), np.array([0., 0.])
W_T, B_T = np.array([[1., 0., 0.], [0., 1., 1.]]), np.array([0., 0.5])
ANGLES_S = [0.0, 0.5, 1.0, 1.5, 2.0]
ANGLES_T = [0.3, -0.4, 2.5, 1.2, -1.0]
INDEX = [1, 3]
CONTRAST = [[1, 0, 4], [3, 2, 2]]


class ReferenceCRD:
    """Plain-loop CRD with explicit memory banks and normalisation constants."""

    def __init__(self):
        self.memory_s = [np.array([math.cos(a), math.sin(a)]) for a in ANGLES_S]
        self.memory_t = [np.array([math.cos(a), math.sin(a)]) for a in ANGLES_T]
        self.z_s = self.z_t = None

    @staticmethod
    def _unit(v):
        return v / math.sqrt(float(np.dot(v, v)))

    @staticmethod
    def _nce(prob):
        k = len(prob[0]) - 1
        k_pn = k / NUM_DATA
        total = 0.0
        for row in prob:
            total += math.log(row[0] / (row[0] + k_pn + EPS))
            total += sum(math.log(k_pn / (p + k_pn + EPS)) for p in row[1:])
        return -total / len(prob)

    def __call__(self, student, teacher, index, contrast):
        v_s = [self._unit(W_S @ x + B_S) for x in np.asarray(student, dtype=np.float64)]
        v_t = [self._unit(W_T @ x + B_T) for x in np.asarray(teacher, dtype=np.float64)]
        score_s = [[math.exp(float(np.dot(self.memory_t[j], v)) / T) for j in row]
                   for v, row in zip(v_s, contrast)]
        score_t = [[math.exp(float(np.dot(self.memory_s[j], v)) / T) for j in row]
                   for v, row in zip(v_t, contrast)]
        if self.z_s is None:
            self.z_s = np.mean(score_s) * NUM_DATA
            self.z_t = np.mean(score_t) * NUM_DATA
        loss = (self._nce([[x / self.z_s for x in row] for row in score_s])
                + self._nce([[x / self.z_t for x in row] for row in score_t]))
        for i, vs, vt in zip(index, v_s, v_t):
            self.memory_s[i] = self._unit(MOMENTUM * self.memory_s[i] + (1 - MOMENTUM) * vs)
            self.memory_t[i] = self._unit(MOMENTUM * self.memory_t[i] + (1 - MOMENTUM) * vt)
        return loss


def make_loss(**kwargs):
    loss = CRDLoss(2, 3, NUM_DATA, feat_dim=2, nce_k=2, **kwargs).double()
    with torch.no_grad():
        loss.embed_s.weight.copy_(torch.from_numpy(W_S))
        loss.embed_s.bias.copy_(torch.from_numpy(B_S))
        loss.embed_t.weight.copy_(torch.from_numpy(W_T))
        loss.embed_t.bias.copy_(torch.from_numpy(B_T))
        for bank, angles in ((loss.memory_s, ANGLES_S), (loss.memory_t, ANGLES_T)):
            a = torch.tensor(angles, dtype=torch.float64)
            bank.copy_(torch.stack([a.cos(), a.sin()], dim=1))
    return loss


def batch(seed):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(2, 2, generator=g, dtype=torch.float64),
            torch.randn(2, 3, generator=g, dtype=torch.float64))


def test_exact_value_two_steps_with_memory_updates():
    loss, ref = make_loss(), ReferenceCRD()
    index = torch.tensor(INDEX)
    for step, contrast_rows in enumerate([CONTRAST, [[1, 1, 2], [3, 4, 0]]]):
        student, teacher = batch(step)
        value = loss(student, teacher, index=index, contrast_index=torch.tensor(contrast_rows))
        assert value.item() == pytest.approx(ref(student, teacher, INDEX, contrast_rows), rel=1e-9)
        # Z is fixed at the first call; the banks move towards the embeddings
        assert loss.z_s.item() == pytest.approx(ref.z_s, rel=1e-9)
        assert loss.z_t.item() == pytest.approx(ref.z_t, rel=1e-9)
        torch.testing.assert_close(loss.memory_s, torch.tensor(np.stack(ref.memory_s)))
        torch.testing.assert_close(loss.memory_t, torch.tensor(np.stack(ref.memory_t)))


def test_eval_mode_does_not_update_memory():
    loss = make_loss().eval()
    before = copy.deepcopy(loss.state_dict())
    loss(*batch(0), index=torch.tensor(INDEX), contrast_index=torch.tensor(CONTRAST))
    torch.testing.assert_close(loss.memory_s, before['memory_s'])
    torch.testing.assert_close(loss.memory_t, before['memory_t'])
    assert loss.z_s.item() > 0 and before['z_s'].item() == -1.0


def test_banks_and_normalisers_are_checkpointed():
    loss = CRDLoss(4, 6, num_data=10, feat_dim=8)
    state = loss.state_dict()
    assert state['memory_s'].shape == (10, 8) and state['memory_t'].shape == (10, 8)
    assert {'z_s', 'z_t'} <= set(state)
    bound = 1 / math.sqrt(8 / 3)
    assert state['memory_s'].abs().max() <= bound


def test_sampled_negatives_start_with_the_positive():
    loss = CRDLoss(2, 3, num_data=7, feat_dim=4, nce_k=5)
    index = torch.tensor([6, 0, 3])
    contrast = loss.sample_contrast_index(index)
    assert contrast.shape == (3, 6)
    assert contrast[:, 0].tolist() == [6, 0, 3]
    assert contrast.min() >= 0 and contrast.max() < 7
    value = loss(torch.randn(3, 2), torch.randn(3, 3), index=index)
    assert torch.isfinite(value)


def test_loss_weight_scales():
    plain, weighted = make_loss(), make_loss(loss_weight=0.8)
    args = dict(index=torch.tensor(INDEX), contrast_index=torch.tensor(CONTRAST))
    torch.testing.assert_close(weighted(*batch(0), **args), 0.8 * plain(*batch(0), **args))


def test_gradient_reaches_student_and_both_embeddings():
    loss = make_loss()
    student, teacher = batch(0)
    student.requires_grad_()
    teacher.requires_grad_()
    loss(student, teacher, index=torch.tensor(INDEX),
         contrast_index=torch.tensor(CONTRAST)).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert loss.embed_s.weight.grad.abs().sum() > 0
    assert loss.embed_t.weight.grad.abs().sum() > 0
    assert teacher.grad is None


def test_declares_index_inputs():
    assert CRDLoss.extra_inputs() == {'index', 'contrast_index'}


def test_bad_shapes_raise():
    loss = make_loss().float()
    index = torch.tensor(INDEX)
    with pytest.raises(ValueError, match=r'student.*2 elements.*\(2, 4\)'):
        loss(torch.randn(2, 4), torch.randn(2, 3), index=index)
    with pytest.raises(ValueError, match=r'teacher.*3 elements.*\(2, 2\)'):
        loss(torch.randn(2, 2), torch.randn(2, 2), index=index)
    with pytest.raises(ValueError, match=r'index of shape \(2,\)'):
        loss(torch.randn(2, 2), torch.randn(2, 3), index=torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match='contrast_index'):
        loss(torch.randn(2, 2), torch.randn(2, 3), index=index,
             contrast_index=torch.tensor([[1], [3]]))


def test_registry_builds():
    loss = MODELS.build(dict(type='CRDLoss', student_channels=8, teacher_channels=16,
                             num_data=20))
    assert isinstance(loss, CRDLoss)
    assert (loss.nce_k, loss.nce_t, loss.nce_m) == (16384, 0.07, 0.5)
    assert loss.embed_s.out_features == 128 and loss.memory_t.shape == (20, 128)


def test_scores_stay_float32_under_autocast():
    loss = CRDLoss(8, 16, num_data=100, nce_k=50)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        value = loss(torch.randn(4, 8), torch.randn(4, 16), index=torch.arange(4))
    assert value.dtype == torch.float32 and torch.isfinite(value)
