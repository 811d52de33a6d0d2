"""Known answers, the layer contract, and bad input."""
import math

import numpy as np
import pytest

import minicnn
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, MaxPooling2D, ReLU
from minicnn.losses import SoftmaxCrossEntropy


# -- known answers worked out by hand -----------------------------------------
def test_conv2d_known_answer(kernels):
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


def test_conv2d_same_padding_known_answer(kernels):
    # 3x3 ones kernel over a 3x3 ones image with 'same': each output counts its in-bounds neighbours
    layer = Conv2D(1, 3, padding="same", use_bias=False)
    layer.build((3, 3, 1))
    layer.params["W"][...] = 1
    y = layer.forward(np.ones((1, 3, 3, 1), np.float32))
    np.testing.assert_array_equal(y[0, :, :, 0], [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


def test_conv2d_matches_a_naive_loop(kernels, rng):
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


def test_maxpool_known_answer_and_tie_rule(kernels):
    x = np.array([[1, 3, 2, 2],
                  [3, 0, 2, 1],
                  [0, 0, 5, 6],
                  [0, 0, 7, 4]], np.float32).reshape(1, 4, 4, 1)
    layer = MaxPool2D(2)
    y = layer.forward(x)
    np.testing.assert_array_equal(y[0, :, :, 0], [[3, 2], [0, 7]])
    grad = layer.backward(np.array([[10, 20], [30, 40]], np.float32).reshape(1, 2, 2, 1))
    # ties: the first maximum in scan order (row by row) takes the whole gradient
    np.testing.assert_array_equal(grad[0, :, :, 0], [[0, 10, 20, 0],
                                                     [0, 0, 0, 0],
                                                     [30, 0, 0, 0],
                                                     [0, 0, 40, 0]])


def test_overlapping_pool_sums_gradients(kernels):
    # 3x3 windows, stride 1: the central maximum wins all four windows
    x = np.zeros((1, 4, 4, 1), np.float32)
    x[0, 1, 1, 0] = x[0, 2, 2, 0] = 9
    layer = MaxPool2D(3, strides=1)
    layer.forward(x)
    grad = layer.backward(np.ones((1, 2, 2, 1), np.float32))
    assert grad[0, 1, 1, 0] == 4 and grad.sum() == 4


@pytest.mark.parametrize("n,k,s", [(5, 3, 1), (6, 3, 2), (7, 2, 3), (4, 5, 1), (1, 3, 2), (8, 4, 4)])
def test_same_padding_follows_tensorflow(n, k, s):
    layer = Conv2D(1, k, strides=s, padding="same")
    layer.build((n, n, 1))
    out = math.ceil(n / s)
    total = max((out - 1) * s + k - n, 0)
    assert layer.output_shape == (out, out, 1)
    assert layer.pads == (total // 2, total - total // 2) * 2


def test_same_pool_pads_with_minus_infinity(kernels):
    x = -np.ones((1, 3, 3, 1), np.float32)
    y = MaxPool2D(2, padding="same").forward(x)
    assert y.shape == (1, 2, 2, 1) and np.all(y == -1)


def test_flatten_is_nhwc_order_like_keras():
    x = np.arange(24, dtype=np.float32).reshape(2, 2, 3, 2)
    np.testing.assert_array_equal(Flatten().forward(x), x.reshape(2, 12))


def test_dense_relu_activation_equals_a_following_relu(rng):
    x = rng.standard_normal((3, 5)).astype(np.float32)
    fused, plain, relu = Dense(4, "relu", seed=1), Dense(4, seed=1), ReLU()
    y = fused.forward(x)
    np.testing.assert_array_equal(y, relu.forward(plain.forward(x)))
    g = rng.standard_normal(y.shape).astype(np.float32)
    np.testing.assert_array_equal(fused.backward(g), plain.backward(relu.backward(g)))


def test_maxpooling2d_is_an_alias():
    assert MaxPooling2D is MaxPool2D


# -- the contract ---------------------------------------------------------------
LAYERS = [lambda: Conv2D(3, 3, activation="relu"), lambda: MaxPool2D(2), lambda: Flatten(),
          lambda: ReLU(), lambda: Dropout(0.3)]


@pytest.mark.parametrize("make", LAYERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_contract(make, dtype, rng, kernels):
    layer = make()
    out_shape = layer.build((6, 6, 2), dtype)
    assert out_shape == layer.output_shape
    assert set(layer.params) == set(layer.grads)
    for key in layer.params:
        assert layer.params[key].shape == layer.grads[key].shape
        assert layer.params[key].dtype == dtype
    x = rng.standard_normal((3, 6, 6, 2)).astype(dtype)
    y = layer.forward(x, training=True)
    assert y.shape == (3,) + out_shape and y.dtype == dtype
    g = rng.standard_normal(y.shape).astype(dtype)
    g_before = g.copy()
    dx = layer.backward(g)
    np.testing.assert_array_equal(g, g_before)  # backward never mutates its argument
    assert dx.shape == x.shape and dx.dtype == dtype
    first = {k: v.copy() for k, v in layer.grads.items()}
    layer.backward(g)  # grads are overwritten, never accumulated
    for key in first:
        np.testing.assert_array_equal(layer.grads[key], first[key])


def test_float32_is_the_default_and_float64_on_request(rng):
    layer = Dense(3)
    layer.forward(rng.standard_normal((2, 4)).astype(np.float32))
    assert layer.params["W"].dtype == np.float32
    layer64 = Dense(3)
    assert layer64.forward(rng.standard_normal((2, 4))).dtype == np.float64


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


# -- bad input: the errors name the layer, argument and value --------------------
@pytest.mark.parametrize("make,words", [
    (lambda: Conv2D(0, 3), ["filters", "0"]),
    (lambda: Conv2D(4, 0), ["kernel_size", "0"]),
    (lambda: Conv2D(4, 3, strides=0), ["strides", "0"]),
    (lambda: Conv2D(4, 3, padding="foo"), ["padding", "foo"]),
    (lambda: Conv2D(4, 3, activation="tanhh"), ["activation", "tanhh"]),
    (lambda: MaxPool2D(0), ["pool_size", "0"]),
    (lambda: MaxPool2D(2, padding="full"), ["padding", "full"]),
    (lambda: Dense(-1), ["units", "-1"]),
    (lambda: Dropout(1.0), ["rate", "1.0"]),
    (lambda: Dropout(-0.1), ["rate", "-0.1"]),
])
def test_bad_constructor_arguments(make, words):
    with pytest.raises(ValueError) as error:
        make()
    for word in words:
        assert word in str(error.value)


def test_wrong_input_shape_names_layer_and_shapes():
    layer = Conv2D(2, 3, name="conv_a")
    layer.build((8, 8, 3))
    with pytest.raises(ValueError) as error:
        layer.forward(np.zeros((2, 8, 8, 1), np.float32))
    message = str(error.value)
    assert "conv_a" in message and "(batch, 8, 8, 3)" in message and "(2, 8, 8, 1)" in message


def test_valid_window_larger_than_input():
    with pytest.raises(ValueError, match="larger than its input"):
        Conv2D(2, 5).build((4, 4, 1))
    with pytest.raises(ValueError, match="larger than its input"):
        MaxPool2D(3).build((2, 2, 1))


def test_dense_on_images_asks_for_flatten():
    with pytest.raises(ValueError, match="Flatten"):
        Dense(3).build((4, 4, 1))


def test_set_kernels_rejects_unknown_names():
    with pytest.raises(ValueError, match="numba"):
        minicnn.set_kernels("cuda")
    assert minicnn.get_kernels() == "numba"
