"""Storage codecs of the teacher cache, against values computed by hand here."""
import math

import numpy as np
import pytest
import torch

from sfkd.engine.teacher_cache.codecs import build_codec
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


def softmax(row, tau):
    e = [math.exp(v / tau) for v in row]
    return [v / sum(e) for v in e]


def kd(student, teacher, tau):
    """tau^2 * KL(softmax(t/tau) || softmax(s/tau)), averaged over rows, by hand."""
    total = 0.0
    for s, t in zip(student, teacher):
        p, q = softmax(t, tau), softmax(s, tau)
        total += sum(pi * (math.log(pi) - math.log(qi)) for pi, qi in zip(p, q) if pi > 0)
    return tau**2 * total / len(student)


LOGITS = torch.tensor([[2.0, 0.5, -1.0, 0.0], [-0.3, 1.7, 0.2, 3.1]])


def roundtrip(codec, value, seeds=(0, 1)):
    return codec.decode(codec.encode(value, list(seeds)))


def test_fp32_is_exact_and_fp16_within_its_rounding():
    value = torch.randn(3, 5, 4, generator=torch.Generator().manual_seed(0)) * 50
    assert torch.equal(roundtrip(build_codec('fp32', (5, 4), 'x'), value, (0, 1, 2)), value)
    half = roundtrip(build_codec('fp16', (5, 4), 'x'), value, (0, 1, 2))
    assert half.dtype == torch.float32
    # round-to-nearest in a 10-bit mantissa: relative error <= 2^-11 (normal range)
    assert float(((half - value).abs() / value.abs()).max()) <= 2**-11
    assert build_codec('fp16', (5, 4), 'x').bytes_per_sample() == 5 * 4 * 2
    with pytest.raises(BadConfigError, match="beyond fp16's range"):
        build_codec('fp16', (2, ), 'teacher_cache.storage.f').encode(
            torch.tensor([[7e4, 1.0]]), [0])


def test_fp16_changes_the_kd_loss_by_at_most_its_first_order_bound():
    gen = torch.Generator().manual_seed(1)
    teacher, student = torch.randn(16, 10, generator=gen) * 8, torch.randn(16, 10, generator=gen)
    half = roundtrip(build_codec('fp16', (10, ), 'x'), teacher, range(16))
    tau, eps = 4.0, float((half - teacher).abs().max())
    # d KD / d t_i = tau * p_i * (log(p_i / q_i) - KL) per row, so to first order
    # |dKD| <= eps * tau * mean over rows of sum_i p_i |log(p_i / q_i) - KL|
    bound = 0.0
    for s, t in zip(student.tolist(), teacher.tolist()):
        p, q = softmax(t, tau), softmax(s, tau)
        kl = sum(pi * math.log(pi / qi) for pi, qi in zip(p, q))
        bound += sum(pi * abs(math.log(pi / qi) - kl) for pi, qi in zip(p, q))
    bound *= eps * tau / len(student)
    change = abs(kd(student.tolist(), half.tolist(), tau) - kd(student.tolist(),
                                                            teacher.tolist(), tau))
    assert 0 < change <= 1.01 * bound


def test_topk_keeps_the_top_probabilities_and_spreads_the_rest():
    codec = build_codec(dict(type='topk', k=2), (4, ), 'x', tau=2.0)
    decoded = roundtrip(codec, LOGITS)
    for row, out in zip(LOGITS.tolist(), decoded):
        p = softmax(row, 2.0)
        top = sorted(range(4), key=lambda i: -p[i])[:2]
        rest = (1 - p[top[0]] - p[top[1]]) / 2
        expected = [p[i] if i in top else rest for i in range(4)]
        assert torch.softmax(out / 2.0, 0).tolist() == pytest.approx(expected, abs=1e-6)
        # its bias: the target's total variation from the teacher's is at most the tail mass
        tv = sum(abs(a - b) for a, b in zip(expected, p)) / 2
        assert tv <= 1 - p[top[0]] - p[top[1]]
    # the KD loss on the decoded target against a by-hand loss on the same target
    student = [[0.1, 0.2, 0.3, 0.4], [1.0, -1.0, 0.5, 0.0]]
    target = [(torch.softmax(o / 2.0, 0)).tolist() for o in decoded]
    by_hand = 0.0
    for s, p in zip(student, target):
        q = softmax(s, 2.0)
        by_hand += sum(pi * (math.log(pi) - math.log(qi)) for pi, qi in zip(p, q))
    from sfkd.models.losses import KDLoss
    loss = KDLoss(tau=2.0)(torch.tensor(student), decoded)
    assert float(loss) == pytest.approx(4.0 * by_hand / 2, rel=1e-5)


def test_sampled_stores_draw_frequencies_whose_mean_is_the_teacher_distribution():
    codec = build_codec(dict(type='sampled', k=8), (4, ), 'x', tau=1.0)
    arrays = codec.encode(LOGITS, [3, 4])
    assert arrays['draw'].shape == (2, 8) and arrays['draw'].dtype == np.int16
    decoded = torch.softmax(codec.decode(arrays), 1)
    for draws, out in zip(arrays['draw'], decoded):
        counts = [list(draws).count(c) / 8 for c in range(4)]
        assert out.tolist() == pytest.approx(counts, abs=1e-6)  # fp32 logits
    # unbiased: the mean over many independent draws tends to the teacher's softmax
    many = build_codec(dict(type='sampled', k=4), (4, ), 'x', tau=1.0)
    rows = LOGITS[:1].repeat(4000, 1)
    mean = torch.softmax(many.decode(many.encode(rows, list(range(4000)))), 1).mean(0)
    assert mean.tolist() == pytest.approx(softmax(LOGITS[0].tolist(), 1.0), abs=0.01)
    # top-k is not: its tail mass is spread evenly, whatever the teacher said
    topk = build_codec(dict(type='topk', k=1), (4, ), 'x', tau=1.0)
    flat = torch.softmax(roundtrip(topk, LOGITS[:1], (0, )), 1)[0]
    p = softmax(LOGITS[0].tolist(), 1.0)
    assert float(flat[2]) == pytest.approx((1 - p[0]) / 3, abs=1e-6)
    assert abs(float(flat[2]) - p[2]) > 0.05  # 0.103 for a class the teacher gives 0.034


def test_the_codecs_explain_bad_storage():
    with pytest.raises(BadConfigError, match="unknown storage 'bf8'"):
        build_codec('bf8', (4, ), 'teacher_cache.storage.logits')
    with pytest.raises(BadConfigError, match=r"'sampled' stores logits of shape \[B, C\]"):
        build_codec(dict(type='sampled'), (4, 3, 3), 'teacher_cache.storage.feat')
    with pytest.raises(BadConfigError, match='keeps every one of the 4 classes'):
        build_codec(dict(type='topk', k=4), (4, ), 'teacher_cache.storage.logits')
    with pytest.raises(BadConfigError, match='k must be a positive int'):
        build_codec(dict(type='sampled', k=0), (4, ), 'teacher_cache.storage.logits')
