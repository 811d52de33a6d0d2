"""Kernels minicnn measured and did not keep, for benchmarks/choices.py to measure again
against the ones it kept.

dense_wide_backward: the wide convolution's backward (ops/fast/wide.py) as two matrix
products per block of images (dW += cols.T @ dz, and the input gradient's rows
dz @ W2.T folded back into the windows), near the CPU's peak but four times the
multiply-adds of the sums over the windows' winners that wide.py keeps (2x2 windows).
"""
import numpy as np
from numba import njit

from minicnn.ops.fast import wide
from minicnn.ops.windows import unpad_hw

kernel = njit(nogil=True)


def dense_wide_backward(grad_p, cache, input_grad):
    """ops/fast/conv_pool._wide_backward's result, by two matrix products per block."""
    geometry, w, with_bias, (sh, sw), (ph, pw), x_padded, argmax, pads, _ = cache
    dtype = x_padded.dtype
    grad_p = np.ascontiguousarray(grad_p, dtype=dtype)
    n, (kh, kw, _, f) = len(grad_p), w.shape
    (conv_h, conv_w), (pooled_h, pooled_w) = geometry.conv, geometry.pooled
    weights = np.ascontiguousarray(w.reshape(-1, f))
    grad_x = np.zeros(x_padded.shape, dtype)
    rows_max = geometry.rows(min(geometry.block, n))
    cols = np.empty((rows_max, len(weights)), dtype)
    dz = np.empty((rows_max, f), dtype)
    grad_cols = np.empty((rows_max, len(weights)), dtype)
    grad_w = np.zeros(weights.shape)
    for first in range(0, n, geometry.block):
        last = min(first + geometry.block, n)
        rows = geometry.rows(last - first)
        wide.pack(x_padded[first:last], kh, kw, sh, sw, ph, pw, geometry.origin, conv_h, conv_w,
                  pooled_h, pooled_w, cols[:rows])
        scatter_winners(grad_p[first:last], argmax[first:last], len(geometry.origin), dz[:rows])
        grad_w += cols[:rows].T @ dz[:rows]
        if input_grad:
            np.matmul(dz[:rows], weights.T, out=grad_cols[:rows])
            fold(grad_cols[:rows], kh, kw, sh, sw, ph, pw, geometry.origin, conv_h, conv_w,
                 pooled_h, pooled_w, grad_x[first:last])
    grad_b = (np.where(argmax >= 0, grad_p, 0).sum(axis=(0, 1, 2), dtype=np.float64).astype(dtype)
              if with_bias else None)
    return ((unpad_hw(grad_x, pads) if input_grad else None),
            grad_w.reshape(w.shape).astype(dtype), grad_b)


@kernel
def scatter_winners(grad_p, argmax, origin_count, dz):
    """dL/dz of a block, in pack's row order: dz (ph*pw * n * PH * PW, F), written in
    place: dL/dp at the winning offset's row, zero at the others (and where p is 0)."""
    n, pooled_h, pooled_w, f_count = grad_p.shape
    per_offset = n * pooled_h * pooled_w
    dz[:] = 0
    for b in range(n):
        for a in range(pooled_h):
            for c in range(pooled_w):
                position = (b * pooled_h + a) * pooled_w + c
                won, grads = argmax[b, a, c], grad_p[b, a, c]
                for f in range(f_count):
                    o = won[f]
                    if o >= 0:
                        dz[o * per_offset + position, f] = grads[f]


@kernel
def fold(grad_cols, kh, kw, sh, sw, ph, pw, origin, conv_h, conv_w, pooled_h, pooled_w, grad_x):
    """The adjoint of pack: grad_cols (ph*pw * n * PH * PW, kh*kw*C) added into grad_x
    (n, Hp, Wp, C) padded, each row into the window it was packed from."""
    n, hp, wp, c_count = grad_x.shape
    span = kw * c_count
    for o in range(origin.shape[0]):
        for b in range(n):
            image = grad_x[b].reshape(hp, wp * c_count)
            for a in range(pooled_h):
                oh = a * ph + origin[o, 0]
                for c in range(pooled_w):
                    ow = c * pw + origin[o, 1]
                    if oh < 0 or oh >= conv_h or ow < 0 or ow >= conv_w:
                        continue
                    row = grad_cols[((o * n + b) * pooled_h + a) * pooled_w + c]
                    for i in range(kh):
                        target, source = image[oh * sh + i, ow * sw * c_count:], row[i * span:]
                        for m in range(span):
                            target[m] += source[m]
