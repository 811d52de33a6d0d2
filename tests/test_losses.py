"""Softmax cross-entropy: known answers, targets as indices or rows, stability, gradient."""
import numpy as np
import pytest

from minicnn.losses import SoftmaxCrossEntropy


# -- the loss --------------------------------------------------------------------
def test_softmax_cross_entropy_known_answer():
    loss = SoftmaxCrossEntropy()
    logits = np.array([[0.0, 0.0], [np.log(3), 0.0]])
    # p = [0.5, 0.5] and [0.75, 0.25]; targets 0 and 1: -(log 0.5 + log 0.25) / 2
    assert loss.forward(logits, np.array([0, 1])) == pytest.approx(-(np.log(0.5) + np.log(0.25)) / 2)
    np.testing.assert_allclose(loss.backward(), [[-0.25, 0.25], [0.375, -0.375]])


def test_softmax_cross_entropy_targets_indices_or_rows_agree(rng):
    logits = rng.standard_normal((5, 3))
    idx = np.array([0, 2, 1, 1, 0])
    loss = SoftmaxCrossEntropy()
    a, ga = loss.forward(logits, idx), loss.backward()
    b, gb = loss.forward(logits, np.eye(3)[idx]), loss.backward()
    assert a == pytest.approx(b)
    np.testing.assert_allclose(ga, gb)


def test_softmax_cross_entropy_is_finite_for_huge_logits():
    loss = SoftmaxCrossEntropy()
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], np.float32)
    value = loss.forward(logits, np.array([1, 0]))
    assert np.isfinite(value) and value == pytest.approx((2e4 + 2e4 + np.log(2)) / 2, rel=1e-4)
    assert np.all(np.isfinite(loss.backward()))


def test_softmax_cross_entropy_gradient_check(rng):
    from minicnn.gradcheck import numerical_gradient, rel_error
    logits = rng.standard_normal((4, 5))
    targets = rng.dirichlet(np.ones(5), 4)  # probability rows
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, targets)
    analytic = loss.backward()
    assert rel_error(analytic, numerical_gradient(lambda: loss.forward(logits, targets), logits)) < 1e-7

