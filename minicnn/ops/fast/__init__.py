"""The fast ops: the textbook's arithmetic compiled with numba, on minicnn's threads.

The same functions, arguments and results as reference.py (tested equal in
tests/test_ops.py), pure as they are: the convolution is conv(x, w) + b. What
they choose, below the layers:
- how to convolve: with few filters on long output rows, a few images at a
  time (image_blocks.py); otherwise whole-batch im2col + one matrix product
  (im2col.py); convolution.py chooses.
- threads: loops and matrix products split over minicnn's pool
  (parallel/pool.py), with OpenBLAS on one thread while they run (parallel/blas.py).

The fast rung also has ops of its own, which no layer calls: the fast training
step chooses them (parallel/plan.py) for a Conv2D with ReLU, alone
(``conv2d_relu_forward``: bias and ReLU in the pass that writes the output) or
followed by max-pooling (conv_pool.py: convolution, bias, ReLU and pooling in
one op, which keeps the pooled output and the window winners only).
"""
import numpy as np

from minicnn.ops.fast import convolution, pooling
from minicnn.ops.fast.convolution import by_image_blocks  # noqa: F401  (tests force it)
from minicnn.ops.reference import PoolCache
# The depthwise convolution (SeparableConv2D's first half) is the textbook's own:
# its loop over the kernel offsets already works on whole arrays, and no lesson
# makes it hot; a numba version would have to beat it first.
from minicnn.ops.reference import depthwise2d_backward, depthwise2d_forward  # noqa: F401
from minicnn.ops.windows import output_size, pad_hw, unpad_hw


def _blocks(filters, out_w):
    return by_image_blocks(filters, out_w)  # looked up at each call: tests replace it


def conv2d_forward(x, w, b, strides, pads):
    """reference.conv2d_forward: z = im2col(pad(x)) @ W2 + b, (N, H', W', F), and the cache."""
    return convolution.forward(x, w, b, strides, pads, relu=False, blocks=_blocks)


def conv2d_backward(grad_z, cache, input_grad=True):
    """reference.conv2d_backward: (grad_x or None, grad_w, grad_b or None)."""
    return convolution.backward(grad_z, cache, input_grad)


def conv2d_relu_forward(x, w, b, strides, pads):
    """The fast rung's bias+ReLU op: y = max(conv2d_forward(...)[0], 0), the ReLU
    applied as y is written. Returns (y (N, H', W', F), cache)."""
    return convolution.forward(x, w, b, strides, pads, relu=True, blocks=_blocks)


def conv2d_relu_backward(grad_y, cache, input_grad=True):
    """The gradients of conv2d_relu_forward from dL/dy: (grad_x or None, grad_w, grad_b or None)."""
    return convolution.backward(grad_y, cache, input_grad)


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
