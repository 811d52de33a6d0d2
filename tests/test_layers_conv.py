"""Conv2D: known answers worked out by hand, a naive loop, TensorFlow's 'same' geometry."""
import numpy as np
import pytest

import minicnn
from minicnn.layers import Conv2D, Dense, MaxPool2D


# -- known answers worked out by hand -----------------------------------------
def test_conv2d_known_answer(conv_ops):
    # x = [[1 2 3], [4 5 6], [7 8 9]], kernel [[1 0], [0 -1]], bias 0.5:
    # each output = top-left - bottom-right of its 2x2 window + 0.5 = -4 + 0.5
    layer = Conv2D(1, 2)
    layer.build((3, 3, 1))
    layer.params["W"][...] = np.array([[1, 0], [0, -1]], np.float32).reshape(2, 2, 1, 1)
    layer.params["b"][...] = 0.5
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1)
    y = layer.forward(x)
    np.testing.assert_array_equal(y[0, :, :, 0], [[-3.5, -3.5], [-3.5, -3.5]])
    # backward with all-ones upstream: dW[i, j] = sum of the inputs that offset (i, j) saw
    layer.backward(np.ones_like(y))
    np.testing.assert_array_equal(layer.grads["W"][:, :, 0, 0], [[1 + 2 + 4 + 5, 2 + 3 + 5 + 6],
                                                                 [4 + 5 + 7 + 8, 5 + 6 + 8 + 9]])
    assert layer.grads["b"][0] == 4


def test_conv2d_same_padding_known_answer(conv_ops):
    # 3x3 ones kernel over a 3x3 ones image with 'same': each output counts its in-bounds neighbours
    layer = Conv2D(1, 3, padding="same", use_bias=False)
    layer.build((3, 3, 1))
    layer.params["W"][...] = 1
    y = layer.forward(np.ones((1, 3, 3, 1), np.float32))
    np.testing.assert_array_equal(y[0, :, :, 0], [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


def test_conv2d_matches_a_naive_loop(conv_ops, rng):
    layer = Conv2D(4, (3, 2), strides=(2, 1), padding="same", seed=0)
    x = rng.standard_normal((2, 7, 6, 3)).astype(np.float64)
    layer.build((7, 6, 3), np.float64)
    layer.params["b"][...] = rng.standard_normal(4)
    y = layer.forward(x)
    top, bottom, left, right = layer.pads
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    W, b = layer.params["W"], layer.params["b"]
    expected = np.zeros(y.shape)
    for n in range(2):
        for i in range(y.shape[1]):
            for j in range(y.shape[2]):
                window = xp[n, 2 * i:2 * i + 3, j:j + 2, :]
                expected[n, i, j] = np.tensordot(window, W, axes=3) + b
    np.testing.assert_allclose(y, expected, rtol=1e-12)


# TensorFlow's 'same' geometry as literal numbers: (n, kernel, stride) -> (output, pad
# before, pad after), read off tf.nn.conv2d(padding="SAME") in TensorFlow 2.21 (output
# shape, and which input pixel each kernel corner lands on), not recomputed here.
@pytest.mark.parametrize("n,k,s,out,before,after", [
    (5, 3, 1, 5, 1, 1), (6, 3, 2, 3, 0, 1), (7, 2, 3, 3, 0, 1), (4, 5, 1, 4, 2, 2),
    (1, 3, 2, 1, 1, 1), (8, 4, 4, 2, 0, 0), (256, 5, 3, 86, 2, 2), (128, 3, 2, 64, 0, 1),
])
def test_same_padding_follows_tensorflow(n, k, s, out, before, after):
    layer = Conv2D(1, k, strides=s, padding="same")
    layer.build((n, n, 1))
    assert layer.output_shape == (out, out, 1)
    assert layer.pads == (before, after, before, after)


def test_valid_window_larger_than_input():
    with pytest.raises(ValueError, match="larger than its input"):
        Conv2D(2, 5).build((4, 4, 1))
    with pytest.raises(ValueError, match="larger than its input"):
        MaxPool2D(3).build((2, 2, 1))


def test_glorot_uniform_initialisation_is_seedable():
    a, b = Conv2D(8, 3, seed=5), Conv2D(8, 3, seed=5)
    a.build((10, 10, 4)), b.build((10, 10, 4))
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    limit = np.sqrt(6 / (3 * 3 * 4 + 3 * 3 * 8))
    assert np.abs(a.params["W"]).max() <= limit
    assert np.abs(a.params["W"]).max() > 0.9 * limit  # fills the range, not a narrower one
    assert np.all(a.params["b"] == 0)
    minicnn.set_seed(3)
    c = Dense(5)
    c.build((4,))
    minicnn.set_seed(3)
    d = Dense(5)
    d.build((4,))
    np.testing.assert_array_equal(c.params["W"], d.params["W"])
