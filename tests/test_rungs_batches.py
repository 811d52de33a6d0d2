"""Every op's rungs (naive loops, the NumPy textbook, numba) agree on batches of several
different images, and a batch is its images: each image's output is the op on that image
alone, and each weight gradient the sum of the images' own (an op that computed from one
image, or kept the last image's gradient, would pass on a batch of one)."""
import numpy as np
import pytest

from minicnn.ops import fast, naive, reference

RUNGS = {"naive": naive, "numpy": reference, "numba": fast}
N = 3
# (H, W, C, kh, kw, sh, sw, pads): overlapping windows with uneven padding, and strides
SHAPES = [(6, 7, 2, 3, 2, 1, 1, (1, 0, 0, 1)), (7, 6, 3, 2, 3, 2, 1, (0, 0, 0, 0))]


def batch(rng, shape):
    """N images, each its own (distinct values, so that no two images agree anywhere)."""
    h, w, c = shape
    return rng.permutation(N * h * w * c).reshape(N, h, w, c) / 10 - 5


def each_image(op, x, *args):
    """The op run on each image alone: (outputs stacked, the per-image results)."""
    alone = [op(x[i:i + 1], *args) for i in range(len(x))]
    return np.concatenate([result[0] for result in alone]), alone


@pytest.mark.parametrize("rung", sorted(RUNGS))
@pytest.mark.parametrize("shape", SHAPES)
def test_convolution_of_a_batch_is_its_images(rung, shape, rng):
    h, w, c, kh, kw, sh, sw, pads = shape
    ops, x = RUNGS[rung], batch(rng, (h, w, c))
    weights, bias = rng.standard_normal((kh, kw, c, 4)), rng.standard_normal(4)
    z, cache = ops.conv2d_forward(x, weights, bias, (sh, sw), pads)
    expected_z, _ = naive.conv2d_forward(x, weights, bias, (sh, sw), pads)
    np.testing.assert_allclose(z, expected_z, rtol=1e-10, atol=1e-10)
    stacked, alone = each_image(ops.conv2d_forward, x, weights, bias, (sh, sw), pads)
    np.testing.assert_allclose(z, stacked, rtol=1e-10, atol=1e-10)
    grad_z = rng.standard_normal(z.shape)
    grad_x, grad_w, grad_b = ops.conv2d_backward(grad_z, cache, True)
    parts = [ops.conv2d_backward(grad_z[i:i + 1], alone[i][1], True) for i in range(N)]
    np.testing.assert_allclose(grad_x, np.concatenate([p[0] for p in parts]), rtol=1e-10,
                               atol=1e-10)
    np.testing.assert_allclose(grad_w, sum(p[1] for p in parts), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad_b, sum(p[2] for p in parts), rtol=1e-10, atol=1e-10)
    naive_grads = naive.conv2d_backward(grad_z, naive.conv2d_forward(
        x, weights, bias, (sh, sw), pads)[1], True)
    for got, expected in zip((grad_x, grad_w, grad_b), naive_grads):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("rung", sorted(RUNGS))
@pytest.mark.parametrize("shape", SHAPES)
def test_depthwise_convolution_of_a_batch_is_its_images(rung, shape, rng):
    """dW is summed over every image of the batch, as the naive loops sum it."""
    h, w, c, kh, kw, sh, sw, pads = shape
    ops, x = RUNGS[rung], batch(rng, (h, w, c))
    weights = rng.standard_normal((kh, kw, c, 2))
    y, cache = ops.depthwise2d_forward(x, weights, (sh, sw), pads)
    expected_y, naive_cache = naive.depthwise2d_forward(x, weights, (sh, sw), pads)
    np.testing.assert_allclose(y, expected_y, rtol=1e-10, atol=1e-10)
    stacked, alone = each_image(ops.depthwise2d_forward, x, weights, (sh, sw), pads)
    np.testing.assert_allclose(y, stacked, rtol=1e-10, atol=1e-10)
    grad_y = rng.standard_normal(y.shape)
    grad_x, grad_w = ops.depthwise2d_backward(grad_y, cache, True)
    parts = [ops.depthwise2d_backward(grad_y[i:i + 1], alone[i][1], True) for i in range(N)]
    np.testing.assert_allclose(grad_x, np.concatenate([p[0] for p in parts]), rtol=1e-10,
                               atol=1e-10)
    np.testing.assert_allclose(grad_w, sum(p[1] for p in parts), rtol=1e-10, atol=1e-10)
    for got, expected in zip((grad_x, grad_w), naive.depthwise2d_backward(grad_y, naive_cache)):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    assert ops.depthwise2d_backward(grad_y, cache, False)[0] is None
    np.testing.assert_allclose(ops.depthwise2d_backward(grad_y, cache, False)[1], grad_w,
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("rung", sorted(RUNGS))
@pytest.mark.parametrize("shape", SHAPES)
def test_max_pooling_of_a_batch_is_its_images(rung, shape, rng):
    h, w, c, ph, pw, sh, sw, pads = shape
    ops, x = RUNGS[rung], batch(rng, (h, w, c))
    y, cache = ops.maxpool2d_forward(x, (ph, pw), (sh, sw), pads)
    expected_y, naive_cache = naive.maxpool2d_forward(x, (ph, pw), (sh, sw), pads)
    np.testing.assert_array_equal(y, expected_y)
    stacked, alone = each_image(ops.maxpool2d_forward, x, (ph, pw), (sh, sw), pads)
    np.testing.assert_array_equal(y, stacked)
    grad_y = rng.standard_normal(y.shape)
    grad_x = ops.maxpool2d_backward(grad_y, cache)
    parts = [ops.maxpool2d_backward(grad_y[i:i + 1], alone[i][1]) for i in range(N)]
    np.testing.assert_allclose(grad_x, np.concatenate(parts), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad_x, naive.maxpool2d_backward(grad_y, naive_cache),
                               rtol=1e-12, atol=1e-12)
