"""MaxPool2D: known answers, the tie rule, overlapping windows, 'same' padding, NaN."""
import numpy as np
import pytest

from minicnn.layers import MaxPool2D, MaxPooling2D


def test_maxpool_known_answer_and_tie_rule(ops_mode):
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


def test_overlapping_pool_sums_gradients(ops_mode):
    # 3x3 windows, stride 1: the central maximum wins all four windows
    x = np.zeros((1, 4, 4, 1), np.float32)
    x[0, 1, 1, 0] = x[0, 2, 2, 0] = 9
    layer = MaxPool2D(3, strides=1)
    layer.forward(x)
    grad = layer.backward(np.ones((1, 2, 2, 1), np.float32))
    assert grad[0, 1, 1, 0] == 4 and grad.sum() == 4


def test_same_pool_pads_with_minus_infinity(ops_mode):
    x = -np.ones((1, 3, 3, 1), np.float32)
    y = MaxPool2D(2, padding="same").forward(x)
    assert y.shape == (1, 2, 2, 1) and np.all(y == -1)


def test_maxpooling2d_is_an_alias():
    assert MaxPooling2D is MaxPool2D



@pytest.mark.parametrize("channels", [1, 8])  # both loop orders of the numba kernel
def test_nan_propagates_as_in_np_max(channels, ops_mode):
    """A window holding a NaN outputs NaN (np.max's rule), wherever the NaN sits in
    it, and the window's gradient goes to the first NaN; both twins agree."""
    x = np.arange(16 * channels, dtype=np.float32).reshape(1, 4, 4, channels)
    x[0, 0, 0] = np.nan   # first position of the top-left window
    x[0, 1, 3] = np.nan   # last position of the top-right window
    x[0, 3, 0] = x[0, 3, 1] = np.nan  # two NaNs in the bottom-left window
    layer = MaxPool2D(2)
    y = layer.forward(x)
    expected = np.nanmax(x.reshape(1, 2, 2, 2, 2, channels), axis=(2, 4))
    expected[0, 0, 0] = expected[0, 0, 1] = expected[0, 1, 0] = np.nan
    np.testing.assert_array_equal(y, expected)
    grad = layer.backward(np.ones_like(y))
    assert grad[0, 0, 0, 0] == 1 and grad[0, 1, 3, 0] == 1
    assert grad[0, 3, 0, 0] == 1 and grad[0, 3, 1, 0] == 0  # the first NaN in scan order
    assert grad.sum() == y.size


# -- average pooling ----------------------------------------------------------------
def test_average_pooling_known_answer_and_same_padding_counts_real_pixels():
    from minicnn.layers import AveragePooling2D
    x = np.arange(1, 10, dtype=np.float64).reshape(1, 3, 3, 1)
    valid = AveragePooling2D(2, strides=1).forward(x)
    np.testing.assert_allclose(valid[0, :, :, 0], [[3, 4], [6, 7]])
    same = AveragePooling2D(2, padding="same").forward(x)  # windows at the edge hold fewer pixels
    np.testing.assert_allclose(same[0, :, :, 0], [[3, 4.5], [7.5, 9]])


@pytest.mark.parametrize("case", [((5, 5, 2), 2, None, "valid"), ((7, 6, 2), 3, 2, "same"),
                                  ((6, 5, 2), (3, 2), (1, 1), "valid"), ((5, 5, 1), 2, None, "same")],
                         ids=str)
def test_average_pooling_gradients(case):
    from minicnn.gradcheck import check_layer
    from minicnn.layers import AveragePooling2D
    shape, pool, strides, padding = case
    assert check_layer(AveragePooling2D(pool, strides, padding), shape, verbose=False)["x"] < 1e-7


def test_global_average_pooling_value_and_gradient(rng):
    from minicnn.gradcheck import check_layer
    from minicnn.layers import GlobalAveragePooling2D
    x = rng.standard_normal((2, 4, 3, 5))
    np.testing.assert_allclose(GlobalAveragePooling2D().forward(x), x.mean(axis=(1, 2)))
    assert check_layer(GlobalAveragePooling2D(), (4, 3, 5), verbose=False)["x"] < 1e-7
