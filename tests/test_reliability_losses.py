"""Loss objects called directly, as Keras's loss_fn(y_true, y_pred) (the tutorials do)."""
import numpy as np
import pytest


def test_losses_are_callable_as_keras_losses():
    """loss_fn(y_true, y_pred): logits with from_logits=True, probabilities otherwise (rows
    normalised and clipped to [1e-7, 1 - 1e-7], as Keras)."""
    from minicnn.losses import BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy
    logits = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]])
    y = np.array([0, 2])
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -np.mean(log_softmax[[0, 1], y])
    assert SparseCategoricalCrossentropy(from_logits=True)(y, logits) == pytest.approx(expected)
    assert CategoricalCrossentropy(from_logits=True)(np.eye(3)[y], logits) == pytest.approx(expected)
    scores = np.array([[2.0, 1.0, 1.0], [0.0, 1.0, 3.0]])
    p = np.clip(scores / scores.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)
    assert CategoricalCrossentropy()(np.eye(3)[y], scores) == pytest.approx(-np.mean(np.log(p[[0, 1], y])))
    z, t = np.array([[0.3], [-2.0]]), np.array([1.0, 0.0])
    by_hand = np.mean(np.maximum(z[:, 0], 0) - z[:, 0] * t + np.log1p(np.exp(-np.abs(z[:, 0]))))
    assert BinaryCrossentropy(from_logits=True)(t, z) == pytest.approx(by_hand)
    probs = 1 / (1 + np.exp(-z))
    assert BinaryCrossentropy()(t, probs) == pytest.approx(by_hand)
