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



def test_binary_crossentropy_gradient_check_with_several_outputs(rng):
    """K = 3 independent yes/no outputs per sample: the loss is the mean over the
    N * K elements, so the gradient is divided by N * K (with K = 1 alone, N and
    N * K cannot be told apart)."""
    from minicnn.gradcheck import numerical_gradient, rel_error
    from minicnn.losses import BinaryCrossentropy
    logits = rng.standard_normal((4, 3))
    targets = rng.integers(0, 2, (4, 3)).astype(float)
    weights = rng.random(4)
    loss = BinaryCrossentropy()
    value = loss.forward(logits, targets, weights)
    p = 1 / (1 + np.exp(-logits))
    by_hand = -(targets * np.log(p) + (1 - targets) * np.log(1 - p)).mean(axis=1)
    assert value == pytest.approx((by_hand * weights).sum() / 4, rel=1e-12)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(logits, targets, weights), logits)
    assert rel_error(analytic, numeric) < 1e-7


def test_balanced_class_weights_are_scikit_learns():
    """n_samples / (n_classes * count): for labels 0, 0, 0, 1 (4 samples, 2 classes)
    4 / (2 * 3) and 4 / (2 * 1), as sklearn.utils.class_weight.compute_class_weight."""
    from minicnn.losses import balanced_class_weight
    weights = balanced_class_weight(np.array([0, 0, 0, 1]))
    assert weights == pytest.approx({0: 4 / 6, 1: 2.0})
    weights = balanced_class_weight(np.eye(3)[[0, 1, 1, 2, 2, 2]])  # one-hot rows
    assert weights == pytest.approx({0: 2.0, 1: 1.0, 2: 2 / 3})
