"""numba versions of the kernels in ``reference.py``, with the same signatures.

``reference.py`` is the definition; these are tested equal to it. Loops are
parallel over the batch only: each iteration then writes a disjoint slice of
the output, so no two threads ever add into the same element (col2im and the
max-pool backward sum into their outputs). ``cache=True`` compiles once per
dtype and keeps the machine code on disk.
"""
import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def im2col(x, kh, kw, sh, sw, out_h, out_w):
    n, _, _, c = x.shape
    cols = np.empty((n * out_h * out_w, kh * kw * c), dtype=x.dtype)
    for b in prange(n):
        for oh in range(out_h):
            for ow in range(out_w):
                row = (b * out_h + oh) * out_w + ow
                top, left = oh * sh, ow * sw
                k = 0
                for i in range(kh):
                    for j in range(kw):
                        for ch in range(c):
                            cols[row, k] = x[b, top + i, left + j, ch]
                            k += 1
    return cols


@njit(cache=True, parallel=True)
def col2im(cols, x_shape, kh, kw, sh, sw, out_h, out_w):
    n, h, w, c = x_shape
    x = np.empty((n, h, w, c), dtype=cols.dtype)
    for b in prange(n):
        x[b] = 0
        for oh in range(out_h):
            for ow in range(out_w):
                row = (b * out_h + oh) * out_w + ow
                top, left = oh * sh, ow * sw
                k = 0
                for i in range(kh):
                    for j in range(kw):
                        for ch in range(c):
                            x[b, top + i, left + j, ch] += cols[row, k]
                            k += 1
    return x


@njit(cache=True, parallel=True)
def maxpool_forward(x, ph, pw, sh, sw, out_h, out_w):
    n, _, _, c = x.shape
    y = np.empty((n, out_h, out_w, c), dtype=x.dtype)
    argmax = np.zeros((n, out_h, out_w, c), dtype=np.int32)
    for b in prange(n):
        for oh in range(out_h):
            for ow in range(out_w):
                top, left = oh * sh, ow * sw
                for ch in range(c):
                    y[b, oh, ow, ch] = -np.inf
                for i in range(ph):
                    for j in range(pw):
                        for ch in range(c):
                            v = x[b, top + i, left + j, ch]
                            # strictly greater: the first maximum in scan order wins ties
                            if v > y[b, oh, ow, ch]:
                                y[b, oh, ow, ch] = v
                                argmax[b, oh, ow, ch] = i * pw + j
    return y, argmax


@njit(cache=True, parallel=True)
def maxpool_backward(grad_y, argmax, x_shape, ph, pw, sh, sw):
    n, h, w, c = x_shape
    _, out_h, out_w, _ = grad_y.shape
    grad_x = np.empty((n, h, w, c), dtype=grad_y.dtype)
    for b in prange(n):
        grad_x[b] = 0
        for oh in range(out_h):
            for ow in range(out_w):
                for ch in range(c):
                    k = argmax[b, oh, ow, ch]
                    grad_x[b, oh * sh + k // pw, ow * sw + k % pw, ch] += grad_y[b, oh, ow, ch]
    return grad_x
