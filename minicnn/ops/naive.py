"""The naive ops: convolution and max-pooling as plain loops over every output.

The first thing a student writes (cs231n's ``conv_forward_naive``): one output
at a time, straight from the definition. Slow (Python loops over every image,
row, column and filter), so for study on small inputs (``minicnn.set_ops("naive")``)
and as the oracle the textbook ops in reference.py are tested against.
Same signatures and caches' meaning as reference.py.
"""
from collections import namedtuple

import numpy as np

from minicnn.ops.reference import DepthwiseCache, PoolCache
from minicnn.ops.windows import output_size, pad_hw, unpad_hw

ConvCache = namedtuple("ConvCache", "x w with_bias strides pads")


def conv2d_forward(x, w, b, strides, pads):
    """z[n, i, j, f] = b[f] + sum over (di, dj, c) of x[n, i*sh+di, j*sw+dj, c] * w[di, dj, c, f],
    on x padded by pads. x: (N, H, W, C); w: (kh, kw, C, F); b: (F,) or None.
    Returns z: (N, H', W', F) and the cache conv2d_backward needs."""
    kh, kw, _, f = w.shape
    (sh, sw), x = strides, pad_hw(x, pads)
    n = len(x)
    out_h, out_w = output_size(x.shape[1], kh, sh), output_size(x.shape[2], kw, sw)
    z = np.zeros((n, out_h, out_w, f), dtype=x.dtype)
    for image in range(n):
        for i in range(out_h):
            for j in range(out_w):
                window = x[image, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
                for k in range(f):
                    z[image, i, j, k] = np.sum(window * w[:, :, :, k])
                    if b is not None:
                        z[image, i, j, k] += b[k]
    return z, ConvCache(x, w, b is not None, strides, pads)


def conv2d_backward(grad_z, cache, input_grad=True):
    """Each output's gradient, sent back along the products that made it:
    dw[:, :, :, f] += window * dz,  dx[window] += w[:, :, :, f] * dz,  db[f] += dz."""
    x, w, with_bias, (sh, sw), pads = cache
    kh, kw, _, f = w.shape
    grad_x, grad_w = np.zeros_like(x), np.zeros_like(w)
    grad_b = np.zeros(f, dtype=w.dtype)
    n, out_h, out_w, _ = grad_z.shape
    for image in range(n):
        for i in range(out_h):
            for j in range(out_w):
                rows, columns = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
                for k in range(f):
                    g = grad_z[image, i, j, k]
                    grad_w[:, :, :, k] += x[image, rows, columns, :] * g
                    grad_x[image, rows, columns, :] += w[:, :, :, k] * g
                    grad_b[k] += g
    return (unpad_hw(grad_x, pads) if input_grad else None), grad_w, (grad_b if with_bias else None)


def depthwise2d_forward(x, w, strides, pads):
    """y[n, i, j, c*M + m] = sum over (di, dj) of x[n, i*sh + di, j*sw + dj, c] * w[di, dj, c, m],
    on x padded by pads. x: (N, H, W, C); w: (kh, kw, C, M). Returns y: (N, H', W', C*M)
    and the cache depthwise2d_backward needs."""
    kh, kw, c, m = w.shape
    (sh, sw), x = strides, pad_hw(x, pads)
    n = len(x)
    out_h, out_w = output_size(x.shape[1], kh, sh), output_size(x.shape[2], kw, sw)
    y = np.zeros((n, out_h, out_w, c * m), dtype=x.dtype)
    for image in range(n):
        for i in range(out_h):
            for j in range(out_w):
                for channel in range(c):
                    window = x[image, i * sh:i * sh + kh, j * sw:j * sw + kw, channel]
                    for k in range(m):
                        y[image, i, j, channel * m + k] = np.sum(window * w[:, :, channel, k])
    return y, DepthwiseCache(x, w, strides, pads)


def depthwise2d_backward(grad_y, cache, input_grad=True):
    """Each output's gradient, sent back along the products that made it:
    dw[:, :, c, k] += window * dy,  dx[window] += w[:, :, c, k] * dy."""
    x, w, (sh, sw), pads = cache
    kh, kw, c, m = w.shape
    grad_x, grad_w = np.zeros_like(x), np.zeros_like(w)
    n, out_h, out_w, _ = grad_y.shape
    for image in range(n):
        for i in range(out_h):
            for j in range(out_w):
                rows, columns = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
                for channel in range(c):
                    for k in range(m):
                        g = grad_y[image, i, j, channel * m + k]
                        grad_w[:, :, channel, k] += x[image, rows, columns, channel] * g
                        grad_x[image, rows, columns, channel] += w[:, :, channel, k] * g
    return (unpad_hw(grad_x, pads) if input_grad else None), grad_w


def maxpool2d_forward(x, pool_size, strides, pads):
    """y[n, i, j, c] = the maximum of x's (ph, pw) window at (i*sh, j*sw), channel c,
    on x padded with -inf. np.argmax picks the first maximum (and the first NaN),
    the tie rule of every rung. Returns y and the cache (x padded, where each max was)."""
    (ph, pw), (sh, sw) = pool_size, strides
    x = pad_hw(x, pads, value=-np.inf)
    n, _, _, c = x.shape
    out_h, out_w = output_size(x.shape[1], ph, sh), output_size(x.shape[2], pw, sw)
    y = np.zeros((n, out_h, out_w, c), dtype=x.dtype)
    argmax = np.zeros((n, out_h, out_w, c), dtype=np.int32)
    for image in range(n):
        for i in range(out_h):
            for j in range(out_w):
                for channel in range(c):
                    window = x[image, i * sh:i * sh + ph, j * sw:j * sw + pw, channel]
                    argmax[image, i, j, channel] = np.argmax(window)  # i * pw + j, row by row
                    y[image, i, j, channel] = window.flat[argmax[image, i, j, channel]]
    return y, PoolCache(x.shape, argmax, pool_size, strides, pads)


def maxpool2d_backward(grad_y, cache):
    """Each window's gradient to the one input that was its maximum (added, where windows overlap)."""
    padded_shape, argmax, (ph, pw), (sh, sw), pads = cache
    grad_x = np.zeros(padded_shape, dtype=grad_y.dtype)
    n, out_h, out_w, c = grad_y.shape
    for image in range(n):
        for i in range(out_h):
            for j in range(out_w):
                for channel in range(c):
                    di, dj = divmod(int(argmax[image, i, j, channel]), pw)
                    grad_x[image, i * sh + di, j * sw + dj, channel] += grad_y[image, i, j, channel]
    return unpad_hw(grad_x, pads)
