"""Dense, Flatten, ReLU, Activation and Dropout."""
import numpy as np
import pytest

from minicnn.layers import Activation, Dense, Dropout, Flatten, ReLU


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


def test_float32_is_the_default_and_float64_on_request(rng):
    layer = Dense(3)
    layer.forward(rng.standard_normal((2, 4)).astype(np.float32))
    assert layer.params["W"].dtype == np.float32
    layer64 = Dense(3)
    assert layer64.forward(rng.standard_normal((2, 4))).dtype == np.float64


def test_dense_on_images_works_per_pixel_as_keras():
    """Keras's Dense on (H, W, C) applies its kernel to each pixel's C values."""
    layer = Dense(3)
    assert layer.build((4, 4, 2)) == (4, 4, 3) and layer.params["W"].shape == (2, 3)



@pytest.mark.parametrize("activation", ["linear", "relu", "sigmoid", "tanh", "softmax"])
def test_activation_layer_gradients(activation, rng):
    from conftest import distinct_values
    from minicnn.gradcheck import check_layer
    x = distinct_values((2, 3, 4), rng, spacing=0.05) + 0.025  # off ReLU's kink
    assert check_layer(Activation(activation), (3, 4), x=x, verbose=False)["x"] < 1e-7


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_dense_with_smooth_activations_gradients(activation):
    from minicnn.gradcheck import check_layer
    errors = check_layer(Dense(4, activation, seed=0), (6,), batch_size=3, seed=2, verbose=False)
    assert max(errors.values()) < 1e-7, errors


def test_activation_values():
    z = np.array([[-1000.0, -1.0, 0.0, 1.0, 1000.0]])
    np.testing.assert_allclose(Activation("sigmoid").forward(z),
                               [[0.0, 1 / (1 + np.e), 0.5, 1 / (1 + 1 / np.e), 1.0]])
    np.testing.assert_allclose(Activation("tanh").forward(z), np.tanh(z))
    np.testing.assert_array_equal(ReLU().forward(z), [[0, 0, 0, 1, 1000]])
    with pytest.raises(ValueError, match="swishh"):
        Activation("swishh")


def test_dropout_rejects_rates_outside_zero_one():
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.0)
