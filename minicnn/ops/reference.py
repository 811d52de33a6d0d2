"""The textbook ops, in NumPy: convolution as im2col + one matrix product, and max-pooling.

This is what runs in textbook mode (``minicnn.set_ops("numpy")``), and the
definition the fast ops (``ops/fast``) are tested against. Shapes are NHWC.

For a window of size (kh, kw) moved with strides (sh, sw) over an input padded
to (H, W), the output has ``out_h = (H - kh) // sh + 1`` rows, likewise for the
width. im2col and col2im loop over the kh*kw kernel offsets and copy one
strided slice per offset: kh*kw Python iterations, each a vectorised copy.

Each op is a forward/backward pair around a cache, as in cs231n's layers.py. The
ops are pure: the convolution computes z = conv(x, w) + b, and the layer applies
its activation itself (layers/conv.py).

    z, cache = conv2d_forward(x, w, b, strides, pads)
    grad_x, grad_w, grad_b = conv2d_backward(grad_z, cache)
    y, cache = depthwise2d_forward(x, w, strides, pads)     (SeparableConv2D's first half)
    grad_x, grad_w = depthwise2d_backward(grad_y, cache)
"""
from collections import namedtuple

import numpy as np

from minicnn.ops.windows import output_size, pad_hw, unpad_hw, window_slice

# What each forward keeps for its backward.
ConvCache = namedtuple("ConvCache", "padded_shape cols w with_bias strides pads")
PoolCache = namedtuple("PoolCache", "padded_shape argmax pool_size strides pads")
DepthwiseCache = namedtuple("DepthwiseCache", "x_padded w strides pads")


# -- im2col and col2im --------------------------------------------------------------
def im2col(x, kh, kw, sh, sw, out_h, out_w):
    """Unfold windows into rows.

    x: (N, H, W, C) -> cols: (N * out_h * out_w, kh * kw * C).
    Row (n, oh, ow) holds the window at (oh*sh, ow*sw) in (i, j, c) order, the
    order of a Keras kernel W (kh, kw, C, F) reshaped to (kh*kw*C, F), so that
    convolution is ``cols @ W.reshape(-1, F)``.
    """
    n, _, _, c = x.shape
    cols = np.empty((n, out_h, out_w, kh, kw, c), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, columns = window_slice(i, j, sh, sw, out_h, out_w)
            cols[:, :, :, i, j, :] = x[:, rows, columns, :]
    return cols.reshape(n * out_h * out_w, kh * kw * c)


def col2im(cols, x_shape, kh, kw, sh, sw, out_h, out_w):
    """Fold rows back into an image, summing where windows overlap.

    The adjoint of im2col: cols (N * out_h * out_w, kh * kw * C) -> (N, H, W, C).
    ``+=`` matters: with stride < kernel an input pixel sits in several windows
    and receives the gradient of each.
    """
    n, _, _, c = x_shape
    cols = cols.reshape(n, out_h, out_w, kh, kw, c)
    x = np.zeros(x_shape, dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, columns = window_slice(i, j, sh, sw, out_h, out_w)
            x[:, rows, columns, :] += cols[:, :, :, i, j, :]
    return x


# -- convolution -------------------------------------------------------------------
def conv2d_forward(x, w, b, strides, pads):
    """Convolution (strictly cross-correlation, as in Keras) plus bias.

    x: (N, H, W, C); w: (kh, kw, C, F), Keras's kernel layout; b: (F,) or None;
    strides: (sh, sw); pads: (top, bottom, left, right) rows/columns of zeros.
    Returns z: (N, H', W', F) with H' = (H + top + bottom - kh) // sh + 1 (and W'
    likewise), and the cache conv2d_backward needs:

        cols = im2col(pad(x))                  (N*H'*W', kh*kw*C)
        z    = cols @ W.reshape(kh*kw*C, F) + b   (N*H'*W', F)
    """
    kh, kw, _, f = w.shape
    (sh, sw), x = strides, pad_hw(x, pads)
    n, height, width, _ = x.shape
    out_h, out_w = output_size(height, kh, sh), output_size(width, kw, sw)
    cols = im2col(x, kh, kw, sh, sw, out_h, out_w)
    z = cols @ w.reshape(-1, f)
    if b is not None:
        z += b
    cache = ConvCache(x.shape, cols, w, b is not None, strides, pads)
    return z.reshape(n, out_h, out_w, f), cache


def conv2d_backward(grad_z, cache, input_grad=True):
    """The gradients of conv2d_forward, from dL/dz (N, H', W', F):

        dW  = cols.T @ dz              summed over every window of every image
        db  = dz summed over the rows
        dx  = unpad(col2im(dz @ W.T))  each window's share added back where it came from

    Returns (grad_x (N, H, W, C) or None when not input_grad, grad_w like w,
    grad_b (F,) or None when there was no bias).
    """
    padded_shape, cols, w, with_bias, (sh, sw), pads = cache
    kh, kw, _, f = w.shape
    _, out_h, out_w, _ = grad_z.shape
    grad_z = grad_z.reshape(-1, f)
    grad_w = (cols.T @ grad_z).reshape(w.shape)
    grad_b = grad_z.sum(axis=0) if with_bias else None
    if not input_grad:
        return None, grad_w, grad_b
    grad_cols = grad_z @ w.reshape(-1, f).T
    grad_x = col2im(grad_cols, padded_shape, kh, kw, sh, sw, out_h, out_w)
    return unpad_hw(grad_x, pads), grad_w, grad_b


# -- depthwise convolution ------------------------------------------------------------
def depthwise2d_forward(x, w, strides, pads):
    """Each input channel convolved with kernels of its own (no sum over channels).

    x: (N, H, W, C); w: (kh, kw, C, M), Keras's depthwise layout (M kernels per
    channel, the depth multiplier); strides and pads as conv2d_forward.
    Returns y: (N, H', W', C*M), output channel c*M + m being input channel c
    convolved with w[:, :, c, m]:

        y[n, i, j, c, m] = sum over (di, dj) of x[n, i*sh + di, j*sw + dj, c] * w[di, dj, c, m]

    computed as conv2d's im2col is: one strided slice per kernel offset (di, dj),
    here multiplied by that offset's weights w[di, dj] (C, M) and added up.
    """
    kh, kw, c, m = w.shape
    (sh, sw), x = strides, pad_hw(x, pads)
    n = len(x)
    out_h, out_w = output_size(x.shape[1], kh, sh), output_size(x.shape[2], kw, sw)
    y = np.zeros((n, out_h, out_w, c, m), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, columns = window_slice(i, j, sh, sw, out_h, out_w)
            y += x[:, rows, columns, :, None] * w[i, j]
    return y.reshape(n, out_h, out_w, c * m), DepthwiseCache(x, w, strides, pads)


def depthwise2d_backward(grad_y, cache, input_grad=True):
    """The gradients of depthwise2d_forward, from dL/dy (N, H', W', C*M), offset by offset:

        dw[di, dj] = sum over n, i, j of x_slice(di, dj)[..., None] * dy     (C, M)
        dx_slice(di, dj) += sum over m of dy * w[di, dj]                    (added: windows overlap)

    Returns (grad_x (N, H, W, C) or None when not input_grad, grad_w like w).
    """
    x, w, (sh, sw), pads = cache
    kh, kw, c, m = w.shape
    n, out_h, out_w, _ = grad_y.shape
    grad_y = grad_y.reshape(n, out_h, out_w, c, m)
    grad_w = np.zeros_like(w)
    grad_x = np.zeros_like(x) if input_grad else None
    for i in range(kh):
        for j in range(kw):
            rows, columns = window_slice(i, j, sh, sw, out_h, out_w)
            grad_w[i, j] = (x[:, rows, columns, :, None] * grad_y).sum(axis=(0, 1, 2))
            if input_grad:
                grad_x[:, rows, columns, :] += (grad_y * w[i, j]).sum(axis=-1)
    return (unpad_hw(grad_x, pads) if input_grad else None), grad_w


# -- max-pooling ---------------------------------------------------------------------
def maxpool2d_forward(x, pool_size, strides, pads):
    """The maximum of each (ph, pw) window, channel by channel.

    x: (N, H, W, C); pads (top, bottom, left, right) are filled with -inf, so
    padding never wins a window. Returns y: (N, H', W', C) (H' as in conv2d with
    kernel pool_size) and the cache: the padded shape and ``argmax``, where in
    its window each maximum was, ``i * pw + j``.

    Ties: the first maximum in scan order (row by row) wins, because a later
    offset replaces the running maximum only when strictly greater. NaN
    propagates, as in np.max: the first NaN of a window wins it.
    """
    (ph, pw), (sh, sw) = pool_size, strides
    x = pad_hw(x, pads, value=-np.inf)
    out_h, out_w = output_size(x.shape[1], ph, sh), output_size(x.shape[2], pw, sw)
    y = np.full((x.shape[0], out_h, out_w, x.shape[3]), -np.inf, dtype=x.dtype)
    argmax = np.zeros(y.shape, dtype=np.int32)
    for i in range(ph):
        for j in range(pw):
            rows, columns = window_slice(i, j, sh, sw, out_h, out_w)
            candidate = x[:, rows, columns, :]
            better = (candidate > y) | (np.isnan(candidate) & ~np.isnan(y))
            y[better] = candidate[better]
            argmax[better] = i * pw + j
    return y, PoolCache(x.shape, argmax, pool_size, strides, pads)


def maxpool2d_backward(grad_y, cache):
    """Send each window's gradient to the input that was its maximum.

    grad_y: (N, H', W', C) -> grad_x: (N, H, W, C). Overlapping windows may pick
    the same input, so their contributions are summed (``+=``).
    """
    padded_shape, argmax, (ph, pw), (sh, sw), pads = cache
    _, out_h, out_w, _ = grad_y.shape
    grad_x = np.zeros(padded_shape, dtype=grad_y.dtype)
    for i in range(ph):
        for j in range(pw):
            rows, columns = window_slice(i, j, sh, sw, out_h, out_w)
            grad_x[:, rows, columns, :] += np.where(argmax == i * pw + j, grad_y, 0)
    return unpad_hw(grad_x, pads)
