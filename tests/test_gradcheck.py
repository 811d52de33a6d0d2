"""Every layer's backward against centered-difference gradients, in float64.

Passing means max relative error < 1e-7 for the input and every parameter.
Inputs are kept off ReLU's kink and max-pool ties (distinct, spaced values).
"""
import numpy as np
import pytest

from minicnn.gradcheck import check_layer, check_model, numerical_gradient, rel_error
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from conftest import distinct_values

TOLERANCE = 1e-7

# (input (H, W, C), filters, kernel, strides, padding, activation, use_bias, batch)
CONV_CASES = [
    ((5, 5, 1), 2, 3, 1, "valid", None, True, 2),
    ((6, 6, 2), 3, 3, 2, "valid", None, True, 3),
    ((7, 8, 3), 2, 3, 3, "valid", None, True, 2),
    ((6, 7, 2), 3, (3, 2), (2, 1), "valid", None, True, 2),   # rectangular kernel, stride
    ((5, 5, 2), 3, 1, 1, "valid", None, True, 2),              # 1x1 kernel
    ((7, 7, 2), 2, 1, 2, "same", None, True, 2),
    ((5, 5, 2), 2, 3, 1, "same", None, True, 2),               # odd size, same
    ((6, 6, 2), 2, 3, 1, "same", None, True, 2),               # even size, same
    ((6, 6, 2), 2, 2, 1, "same", None, True, 2),               # even kernel: pad after
    ((7, 6, 2), 3, 4, 3, "same", None, False, 2),
    ((8, 8, 3), 2, 5, 3, "same", "relu", True, 2),
    ((9, 9, 1), 4, 5, 3, "valid", "relu", True, 3),            # the X-ray model's first layer
    ((6, 6, 3), 4, 3, 2, "same", "relu", True, 2),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv2d_gradients(case, conv_ops):
    shape, filters, kernel, strides, padding, activation, use_bias, batch = case
    layer = Conv2D(filters, kernel, strides, padding, activation, use_bias, seed=0)
    errors = check_layer(layer, shape, batch_size=batch, seed=1)
    assert set(errors) == {"x", "W"} | ({"b"} if use_bias else set())
    assert max(errors.values()) < TOLERANCE, errors


# (input, pool, strides, padding)
POOL_CASES = [
    ((4, 4, 1), 2, None, "valid"),
    ((5, 7, 3), 2, None, "valid"),       # odd sizes: the last row/column is dropped
    ((7, 7, 2), 3, 2, "valid"),          # overlapping windows
    ((6, 5, 2), (3, 2), (1, 1), "valid"),  # heavy overlap, rectangular
    ((5, 5, 2), 2, None, "same"),
    ((7, 6, 2), 3, 2, "same"),
    ((6, 6, 3), 3, 3, "same"),
    ((8, 8, 2), 2, 3, "valid"),          # stride larger than the pool
]


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_maxpool_gradients(case, ops_mode, rng):
    shape, pool, strides, padding = case
    x = distinct_values((2,) + shape, rng)
    errors = check_layer(MaxPool2D(pool, strides, padding), shape, x=x)
    assert errors["x"] < TOLERANCE, errors


@pytest.mark.parametrize("activation", [None, "relu", "softmax"])
@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_gradients(activation, use_bias):
    errors = check_layer(Dense(4, activation, use_bias, seed=0), (6,), batch_size=3, seed=2)
    assert max(errors.values()) < TOLERANCE, errors


def test_relu_gradient(rng):
    x = distinct_values((3, 4, 4, 2), rng, spacing=0.02) + 0.005  # nothing within 0.005 of 0
    errors = check_layer(ReLU(), (4, 4, 2), x=x)
    assert errors["x"] < TOLERANCE


def test_flatten_gradient():
    assert check_layer(Flatten(), (3, 4, 2), batch_size=2)["x"] < TOLERANCE


def test_dropout_gradient_at_inference_is_identity():
    assert check_layer(Dropout(0.5), (10,), batch_size=4)["x"] < TOLERANCE


def test_dropout_backward_uses_the_forward_mask(rng):
    layer = Dropout(0.4, seed=3)
    x = rng.standard_normal((4, 1000)).astype(np.float32)
    y = layer.forward(x, training=True)
    kept = y != 0
    assert 0.55 < kept.mean() < 0.65                      # rate 0.4 drops about 40%
    np.testing.assert_allclose(y[kept], x[kept] / 0.6, rtol=1e-6)  # survivors scaled by 1/(1-rate)
    upstream = rng.standard_normal(x.shape).astype(np.float32)
    np.testing.assert_allclose(layer.backward(upstream), np.where(kept, upstream / 0.6, 0), rtol=1e-6)
    # at inference: the identity
    np.testing.assert_array_equal(layer.forward(x, training=False), x)


def test_gradcheck_detects_a_wrong_backward(rng):
    """The checker itself can fail: a backward that forgets ReLU's mask is caught."""
    class BrokenReLU(ReLU):
        def backward(self, grad_y):
            return grad_y.copy()
    x = distinct_values((2, 3, 3, 1), rng, 0.1) + 0.05
    assert check_layer(BrokenReLU(), (3, 3, 1), x=x, verbose=False)["x"] > 0.1


def test_float32_gradcheck_is_much_worse_than_float64(rng):
    """Why the checks run in float64: in float32 rounding swamps the difference quotient."""
    x64 = rng.standard_normal((2, 6, 6, 2))
    x32 = x64.astype(np.float32)
    layer = Conv2D(3, 3, seed=0)
    layer.build((6, 6, 2), np.float32)
    upstream = rng.standard_normal((2, 4, 4, 3)).astype(np.float32)
    layer.forward(x32)
    analytic = layer.backward(upstream).copy()
    numeric = numerical_gradient(lambda: float(np.sum(layer.forward(x32) * upstream)), x32, h=1e-3)
    error32 = rel_error(analytic, numeric)
    error64 = check_layer(Conv2D(3, 3, seed=0), (6, 6, 2), x=x64, verbose=False)["x"]
    assert error32 > 1e-5 > TOLERANCE > error64


def test_rel_error_known_answers():
    """cs231n's |a - n| / max(|a| + |n|, 1e-8), worked by hand: the floor only
    guards against 0 / 0; small gradients are still compared relatively."""
    assert rel_error([1e-3], [2e-3]) == pytest.approx(1 / 3)
    assert rel_error([1e-9], [2e-9]) == pytest.approx(1e-9 / 1e-8)  # below the floor
    assert rel_error([3.0, -1.0], [3.0, -1.0]) == 0
    assert rel_error([0.0], [0.0]) == 0
    assert rel_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.2 / 4.2)


# (input (H, W, C), filters, kernel, strides, padding, depth_multiplier, activation, use_bias)
SEPARABLE_CASES = [
    ((5, 5, 1), 2, 3, 1, "valid", 1, None, True),
    ((6, 7, 3), 4, 3, 2, "same", 2, None, True),
    ((7, 6, 2), 3, (3, 2), (2, 1), "valid", 3, "relu", True),
    ((6, 6, 2), 2, 2, 1, "same", 1, "tanh", False),   # even kernel: pad after
    ((8, 8, 3), 5, 5, 3, "same", 2, "sigmoid", True),
]


@pytest.mark.parametrize("case", SEPARABLE_CASES, ids=str)
def test_separable_conv2d_gradients(case, conv_ops, rng):
    shape, filters, kernel, strides, padding, multiplier, activation, use_bias = case
    from minicnn.layers import SeparableConv2D
    layer = SeparableConv2D(filters, kernel, strides, padding, depth_multiplier=multiplier,
                            activation=activation, use_bias=use_bias, seed=0)
    errors = check_layer(layer, shape, batch_size=2, seed=1)
    assert set(errors) == {"x", "depthwise_kernel", "pointwise_kernel"} | (
        {"b"} if use_bias else set())
    assert max(errors.values()) < TOLERANCE, errors


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape,batch", [((4, 5, 3), 3), ((6,), 8)])
def test_batch_normalization_gradients(shape, batch, training, ops_mode):
    """Training mode: every output depends on the whole batch (the mean and variance),
    so dx has three terms; inference: a fixed affine map per channel."""
    from minicnn.layers import BatchNormalization
    errors = check_layer(BatchNormalization(momentum=0.9), shape, batch_size=batch, seed=2,
                         training=training)
    assert set(errors) == {"x", "gamma", "beta"}
    assert max(errors.values()) < 1e-6, errors  # dx's three terms nearly cancel: 1e-7 is too tight


def test_check_model_on_a_float32_model_holding_a_model(rng):
    """check_model works through a float64 clone: a model inside the model (and its
    running statistics) must clone too, and the original keeps its own arrays."""
    import minicnn
    from minicnn.layers import BatchNormalization
    minicnn.set_seed(0)
    inner = minicnn.Sequential([Conv2D(3, 3, activation="tanh"), BatchNormalization(),
                                Flatten()], input_shape=(6, 6, 2))
    model = minicnn.Sequential([inner, Dense(3, activation="softmax")])
    model.build((6, 6, 2))
    model.compile("adam", "sparse_categorical_crossentropy")
    x = rng.standard_normal((3, 6, 6, 2)).astype(np.float32)
    errors = check_model(model, x, np.array([0, 1, 2]), verbose=False)
    assert len(errors) == 6 and max(errors.values()) < 1e-6, errors
    clone = minicnn.clone_model(model, np.float64)
    assert clone.dtype == np.float64 and model.dtype == np.float32
    assert all(a.dtype == np.float64 for a in clone.get_weights())
    for mine, theirs in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(mine, theirs.astype(np.float32))
    clone.layers[1].params["W"][...] = 0
    assert np.any(model.layers[1].params["W"] != 0)  # independent
