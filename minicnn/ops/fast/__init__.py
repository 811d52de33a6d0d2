"""The fast ops: the textbook's arithmetic compiled with numba, on minicnn's threads.

The same functions, arguments and results as reference.py (tested equal in
tests/test_ops.py). What they choose, below the layers:
- how to convolve: with few filters on long output rows (``by_image_blocks``),
  a few images at a time (image_blocks.py); otherwise whole-batch im2col + one
  matrix product (im2col.py). Both compute reference.conv2d_forward.
- where ReLU and the bias go: into the pass that writes the output (and the
  one that reads its gradient), not a pass of their own. So a ReLU layer keeps
  y, not z; conv2d_pre_activation computes z again when asked.
- threads: loops and matrix products split over minicnn's pool
  (parallel/pool.py), with OpenBLAS on one thread while they run (parallel/blas.py).
"""
from collections import namedtuple

import numpy as np

from minicnn import activations
from minicnn.ops.fast import im2col as whole_batch
from minicnn.ops.fast import image_blocks, pooling
from minicnn.ops.reference import PoolCache
# The depthwise convolution (SeparableConv2D's first half) is the textbook's own:
# its loop over the kernel offsets already works on whole arrays, and no lesson
# makes it hot; a numba version would have to beat it first.
from minicnn.ops.reference import depthwise2d_backward, depthwise2d_forward  # noqa: F401
from minicnn.ops.windows import output_size, pad_hw, unpad_hw
from minicnn.parallel.blas import one_blas_thread

# Convolutions with at most this many filters, on output rows of at least this
# many pixels, are computed a few images at a time: there the whole-batch
# im2col matrix is large and its product with few columns slow
# (benchmarks/RESULTS.md compares the two on the lessons' layers).
IMAGE_BLOCKS_MAX_FILTERS = 8
IMAGE_BLOCKS_MIN_ROW = 32


def by_image_blocks(filters, out_w):
    """Whether a convolution with ``filters`` filters and output rows of ``out_w``
    pixels is computed a few images at a time (else by whole-batch im2col)."""
    return filters <= IMAGE_BLOCKS_MAX_FILTERS and out_w >= IMAGE_BLOCKS_MIN_ROW


ConvCache = namedtuple("ConvCache", "x w b strides pads activation how data padded_shape z y")


def conv2d_forward(x, w, b, strides, pads, activation=None):
    """reference.conv2d_forward: y = act(im2col(pad(x)) @ W2 + b), (N, H', W', F)."""
    kh, kw, _, f = w.shape
    (sh, sw), x_padded = strides, pad_hw(x, pads)
    n, height, width, _ = x_padded.shape
    out_h, out_w = output_size(height, kh, sh), output_size(width, kw, sw)
    relu = activation == "relu"
    bias = b if b is not None else np.zeros(0, x.dtype)
    with one_blas_thread():
        if by_image_blocks(f, out_w):
            how = "image blocks"
            y, data = image_blocks.conv_forward(x_padded, w, bias, sh, sw, out_h, out_w, relu)
        else:
            how = "im2col"
            data = whole_batch.im2col(x_padded, kh, kw, sh, sw, out_h, out_w)
            y = whole_batch.bias_relu(whole_batch.matmul(data, w.reshape(-1, f)), bias, relu)
            y = y.reshape(n, out_h, out_w, f)
    z = None if relu else y  # linear: y is z
    if activation not in (None, "linear", "relu"):  # softmax and the like: a pass of their own
        y = activations.forward(activation, z)
    cache = ConvCache(x, w, b, strides, pads, activation, how, data, x_padded.shape, z, y)
    return y, cache


def conv2d_backward(grad_y, cache, input_grad=True, from_pre_activation=False):
    """reference.conv2d_backward: (grad_x or None, grad_w, grad_b or None)."""
    c = cache
    kh, kw, _, f = c.w.shape
    (sh, sw), (n, out_h, out_w, _) = c.strides, c.y.shape
    relu = c.activation == "relu" and not from_pre_activation
    grad = np.ascontiguousarray(grad_y)
    if not from_pre_activation and c.activation not in (None, "linear", "relu"):
        grad = activations.backward(c.activation, grad, c.y)
    with_bias = c.b is not None
    with one_blas_thread():
        if c.how == "image blocks":
            grad_w, grad_b, grad_x = image_blocks.conv_backward(
                c.data, c.w, grad.reshape(n, out_h, out_w, f), c.y, sh, sw, relu, with_bias,
                input_grad)
        else:
            grad_z, grad_b = whole_batch.relu_bias_backward(
                grad.reshape(-1, f), c.y.reshape(-1, f), relu, with_bias)
            grad_w = whole_batch.matmul_tn(c.data, grad_z).reshape(c.w.shape)
            if input_grad:
                grad_cols = whole_batch.matmul(grad_z, c.w.reshape(-1, f).T)
                grad_x = whole_batch.col2im(grad_cols, c.padded_shape, kh, kw, sh, sw, out_h, out_w)
    grad_x = unpad_hw(grad_x, c.pads) if input_grad else None
    return grad_x, grad_w, (grad_b if with_bias else None)


def conv2d_pre_activation(cache):
    """z of the last conv2d_forward: kept when there was no ReLU; after a ReLU,
    which was applied as y was written, computed again from the cached input."""
    if cache.z is not None:
        return cache.z
    return conv2d_forward(cache.x, cache.w, cache.b, cache.strides, cache.pads)[0]


def maxpool2d_forward(x, pool_size, strides, pads):
    """reference.maxpool2d_forward: (y (N, H', W', C), cache)."""
    (ph, pw), (sh, sw) = pool_size, strides
    x = pad_hw(x, pads, value=-np.inf)
    out_h, out_w = output_size(x.shape[1], ph, sh), output_size(x.shape[2], pw, sw)
    y, argmax = pooling.maxpool_forward(x, ph, pw, sh, sw, out_h, out_w)
    return y, PoolCache(x.shape, argmax, pool_size, strides, pads)


def maxpool2d_backward(grad_y, cache):
    """reference.maxpool2d_backward: grad_x (N, H, W, C)."""
    padded_shape, argmax, (ph, pw), (sh, sw), pads = cache
    grad_x = pooling.maxpool_backward(np.ascontiguousarray(grad_y), argmax, padded_shape,
                                      ph, pw, sh, sw)
    return unpad_hw(grad_x, pads)
