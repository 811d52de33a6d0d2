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


@njit(cache=True)
def _fold(index, size, fill_mode):
    # fill modes by index, as reference.FILL_MODES: nearest, constant, reflect, wrap
    if fill_mode == 2:
        period = index % (2 * size)  # numba's % follows Python: never negative here
        return period if period < size else 2 * size - 1 - period
    if fill_mode == 3:
        return index % size
    return min(max(index, 0), size - 1)


@njit(cache=True)
def _snap(v):
    nearest = np.floor(v + 0.5)
    return nearest if abs(v - nearest) < 1e-6 else v


@njit(cache=True, parallel=True)
def affine_resample(x, matrix, shift, fill_mode, cval):
    h, w, c = x.shape
    o_r, o_c = (h - 1) / 2, (w - 1) / 2
    out = np.empty((h, w, c), dtype=np.float32)
    for r in prange(h):  # each iteration writes its own output row
        acc = np.empty(c, dtype=np.float64)
        for col in range(w):
            dr_, dc_ = r - o_r, col - o_c
            r_in = _snap(matrix[0, 0] * dr_ + matrix[0, 1] * dc_ + o_r + shift[0])
            c_in = _snap(matrix[1, 0] * dr_ + matrix[1, 1] * dc_ + o_c + shift[1])
            r0, c0 = int(np.floor(r_in)), int(np.floor(c_in))
            fr, fc = r_in - r0, c_in - c0
            acc[:] = 0.0
            for dr in range(2):
                weight_r = fr if dr else 1.0 - fr
                rr = r0 + dr
                r_inside = 0 <= rr < h
                rr = _fold(rr, h, fill_mode)
                for dc in range(2):
                    weight = weight_r * (fc if dc else 1.0 - fc)
                    cc = c0 + dc
                    inside = r_inside and 0 <= cc < w
                    cc = _fold(cc, w, fill_mode)
                    for ch in range(c):
                        if fill_mode == 1 and not inside:
                            acc[ch] += weight * cval
                        else:
                            acc[ch] += weight * x[rr, cc, ch]
            for ch in range(c):
                out[r, col, ch] = acc[ch]
    return out
