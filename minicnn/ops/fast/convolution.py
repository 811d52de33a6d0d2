"""Convolution on the fast rung, with the ReLU either left to the layer or fused in.

    z, cache = forward(x, w, b, strides, pads)               the pure op (ops.conv2d_forward)
    y, cache = forward(x, w, b, strides, pads, relu=True)    its bias+ReLU fusion
    grad_x, grad_w, grad_b = backward(grad, cache, input_grad)

Both compute reference.conv2d_forward (and, with relu, max(z, 0)), tested equal
to it in tests/test_ops.py. How: with few filters on long output rows
(``by_image_blocks``), a few images at a time (image_blocks.py); otherwise
whole-batch im2col + one matrix product (im2col.py). With relu, the ReLU is
applied in the pass that writes y (and read in the pass that reads dL/dy),
not a pass of its own: the fast training step takes this op for a Conv2D with
ReLU that no max-pooling follows (parallel/plan.py); the layers never call it.
"""
from collections import namedtuple

import numpy as np

from minicnn.ops.fast import im2col as whole_batch
from minicnn.ops.fast import image_blocks
from minicnn.ops.windows import output_size, pad_hw, unpad_hw
from minicnn.parallel.blas import one_blas_thread

# Convolutions with at most this many filters, on output rows of at least this
# many pixels, are computed a few images at a time: there the whole-batch
# im2col matrix is large and its product with few columns slow
# (benchmarks/choices.py, section blocks, compares the two on the lessons' layers).
IMAGE_BLOCKS_MAX_FILTERS = 8
IMAGE_BLOCKS_MIN_ROW = 32


def by_image_blocks(filters, out_w):
    """Whether a convolution with ``filters`` filters and output rows of ``out_w``
    pixels is computed a few images at a time (else by whole-batch im2col)."""
    return filters <= IMAGE_BLOCKS_MAX_FILTERS and out_w >= IMAGE_BLOCKS_MIN_ROW


Cache = namedtuple("Cache", "w with_bias strides pads relu how data padded_shape y")


def forward(x, w, b, strides, pads, relu=False, blocks=by_image_blocks):
    """x: (N, H, W, C); w: (kh, kw, C, F); b: (F,) or None -> (y (N, H', W', F), cache):
    y = im2col(pad(x)) @ W2 + b, then max(y, 0) when relu. ``blocks(filters, out_w)``
    chooses image blocks (tests force either way)."""
    kh, kw, _, f = w.shape
    (sh, sw), x_padded = strides, pad_hw(x, pads)
    n, height, width, _ = x_padded.shape
    out_h, out_w = output_size(height, kh, sh), output_size(width, kw, sw)
    bias = b if b is not None else np.zeros(0, x.dtype)
    with one_blas_thread():
        if blocks(f, out_w):
            how = "image blocks"
            y, data = image_blocks.conv_forward(x_padded, w, bias, sh, sw, out_h, out_w, relu)
        else:
            how = "im2col"
            data = whole_batch.im2col(x_padded, kh, kw, sh, sw, out_h, out_w)
            y = whole_batch.bias_relu(whole_batch.matmul(data, w.reshape(-1, f)), bias, relu)
            y = y.reshape(n, out_h, out_w, f)
    return y, Cache(w, b is not None, strides, pads, relu, how, data, x_padded.shape, y)


def backward(grad_y, cache, input_grad=True):
    """The gradients of forward, from dL/dy (N, H', W', F): (grad_x (N, H, W, C) or None
    when not input_grad, grad_w like w, grad_b (F,) or None without bias). With relu,
    dL/dz is dL/dy where y > 0, read as the gradient is."""
    c = cache
    kh, kw, _, f = c.w.shape
    (sh, sw), (n, out_h, out_w, _) = c.strides, c.y.shape
    grad = np.ascontiguousarray(grad_y)
    with one_blas_thread():
        if c.how == "image blocks":
            grad_w, grad_b, grad_x = image_blocks.conv_backward(
                c.data, c.w, grad.reshape(n, out_h, out_w, f), c.y, sh, sw, c.relu,
                c.with_bias, input_grad)
        else:
            grad_z, grad_b = whole_batch.relu_bias_backward(
                grad.reshape(-1, f), c.y.reshape(-1, f), c.relu, c.with_bias)
            grad_w = whole_batch.matmul_tn(c.data, grad_z).reshape(c.w.shape)
            if input_grad:
                grad_cols = whole_batch.matmul(grad_z, c.w.reshape(-1, f).T)
                grad_x = whole_batch.col2im(grad_cols, c.padded_shape, kh, kw, sh, sw, out_h, out_w)
    grad_x = unpad_hw(grad_x, c.pads) if input_grad else None
    return grad_x, grad_w, (grad_b if c.with_bias else None)
