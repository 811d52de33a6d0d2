"""Whole-batch im2col + one matrix product, compiled: the numba versions of
reference.im2col and reference.col2im, the matrix products split over
minicnn's threads, and the epilogue (bias and ReLU) applied in one pass.

Each loop kernel works on a run of images and writes into an output it is
given; the Python function in front of it allocates the output and hands
pieces of the batch to ``pool.parallel_for``. A piece writes only its own
images, so no two threads ever add into the same element (col2im sums into
its output). Tested equal to reference.py (tests/test_ops.py).
"""
import numpy as np

from minicnn.ops.fast.compiled import kernel
from minicnn.parallel.pool import MULTIPLY_ADDS_PER_ELEMENT, parallel_for, parallel_sum


# -- matrix products, split by rows ---------------------------------------------
def matmul(a, b):
    """a @ b, the rows of a (M, K) split over minicnn's threads: (M, F)."""
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))
    parallel_for(len(a), lambda start, stop: np.matmul(a[start:stop], b, out=out[start:stop]),
                 work=a.size * b.shape[1] // MULTIPLY_ADDS_PER_ELEMENT)
    return out


def matmul_tn(a, b):
    """a.T @ b, a (M, K) and b (M, F) -> (K, F), a sum over the M rows: each
    piece sums its rows and the partial products are added in order at the end.
    With fewer than 32 columns in b, one thread (two were slower: RESULTS.md)."""
    work = a.size * b.shape[1] // MULTIPLY_ADDS_PER_ELEMENT if b.shape[1] >= 32 else 0
    return parallel_sum(len(a), lambda start, stop: a[start:stop].T @ b[start:stop], work)


# -- im2col and col2im ------------------------------------------------------------
# Two loop orders, one result. With 8+ channels the channel loop is the long
# contiguous run and goes innermost. With fewer, a window's row (kw * c
# contiguous values in NHWC) is copied as one run. The choice only changes
# speed; both are tested equal to reference.py.
def im2col(x, kh, kw, sh, sw, out_h, out_w):
    """reference.im2col: x (N, H, W, C) -> cols (N * out_h * out_w, kh * kw * C)."""
    n, _, _, c = x.shape
    cols = np.empty((n, out_h * out_w * kh * kw * c), dtype=x.dtype)
    unfold = _im2col_channels_inner if c >= 8 else _im2col_row_runs
    parallel_for(n, lambda start, stop: unfold(x[start:stop], kh, kw, sh, sw, out_h, out_w,
                                               cols[start:stop]), work=x.size)
    return cols.reshape(n * out_h * out_w, kh * kw * c)


def col2im(cols, x_shape, kh, kw, sh, sw, out_h, out_w):
    """reference.col2im: cols (N * out_h * out_w, kh * kw * C) -> x (N, H, W, C), overlaps summed."""
    n, h, w, c = x_shape
    windows = cols.reshape(n, -1)
    x = np.empty((n, h, w, c), dtype=cols.dtype)
    fold = _col2im_channels_inner if c >= 8 else _col2im_row_runs
    parallel_for(n, lambda start, stop: fold(windows[start:stop], kh, kw, sh, sw, out_h, out_w,
                                             x[start:stop]), work=x.size)
    return x


@kernel
def _im2col_channels_inner(x, kh, kw, sh, sw, out_h, out_w, out):
    """reference.im2col, channels innermost: x (n, H, W, C) padded -> out, a flat
    (n, out_h * out_w * kh * kw * C) view of the rows for these n images."""
    n, _, _, c = x.shape
    cols = out.reshape(n, out_h, out_w, kh, kw, c)
    for b in range(n):
        for oh in range(out_h):
            for ow in range(out_w):
                for i in range(kh):
                    for j in range(kw):
                        for ch in range(c):
                            cols[b, oh, ow, i, j, ch] = x[b, oh * sh + i, ow * sw + j, ch]


@kernel
def _im2col_row_runs(x, kh, kw, sh, sw, out_h, out_w, out):
    """reference.im2col, a window row (kw * C contiguous values) at a time: as
    _im2col_channels_inner, for few channels."""
    n, h, w, c = x.shape
    span = kw * c
    rows = x.reshape(n, h, w * c)
    cols = out.reshape(n * out_h * out_w, kh, span)
    for b in range(n):
        for oh in range(out_h):
            first = (b * out_h + oh) * out_w
            for ow in range(out_w):
                start = ow * sw * c
                for i in range(kh):
                    r = oh * sh + i
                    for m in range(span):
                        cols[first + ow, i, m] = rows[b, r, start + m]


@kernel
def _col2im_channels_inner(cols, kh, kw, sh, sw, out_h, out_w, x):
    """reference.col2im, channels innermost: cols (n, out_h * out_w * kh * kw * C)
    -> x (n, H, W, C), zeroed first, windows added where they overlap."""
    n, _, _, c = x.shape
    windows = cols.reshape(n, out_h, out_w, kh, kw, c)
    x[:] = 0
    for b in range(n):
        for oh in range(out_h):
            for ow in range(out_w):
                for i in range(kh):
                    for j in range(kw):
                        for ch in range(c):
                            x[b, oh * sh + i, ow * sw + j, ch] += windows[b, oh, ow, i, j, ch]


@kernel
def _col2im_row_runs(cols, kh, kw, sh, sw, out_h, out_w, out):
    """reference.col2im, a window row at a time: as _col2im_channels_inner, for few channels."""
    n, h, w, c = out.shape
    span = kw * c
    windows = cols.reshape(n * out_h * out_w, kh, span)
    x = out.reshape(n, h, w * c)
    x[:] = 0
    for b in range(n):
        for oh in range(out_h):
            first = (b * out_h + oh) * out_w
            for ow in range(out_w):
                start = ow * sw * c
                for i in range(kh):
                    r = oh * sh + i
                    for m in range(span):
                        x[b, r, start + m] += windows[first + ow, i, m]


# -- the epilogue of the matrix product, split by rows ---------------------------
def bias_relu(z, bias, relu):
    """In place, one pass: z += bias (bias (F,), or empty for none), then z =
    max(z, 0) when relu. z: (M, F). The definition: activations.forward("relu", z + bias)."""
    parallel_for(len(z), lambda start, stop: _bias_relu(z[start:stop], bias, relu), work=z.size)
    return z


@kernel
def _bias_relu(z, bias, relu):
    """In place: z (M, F) += bias (F,) (none when empty), then max(z, 0) when relu."""
    m, f = z.shape
    with_bias = bias.size > 0
    for r in range(m):
        row = z[r]
        for k in range(f):
            v = row[k] + bias[k] if with_bias else row[k]
            row[k] = max(v, 0) if relu else v


def relu_bias_backward(grad_y, y, relu, with_bias):
    """One pass: grad_z (M, F), a new array: grad_y where y > 0 (every element when
    not relu); and grad_bias (F,), grad_z summed over the rows (empty when not
    with_bias). The definition: activations.backward("relu", grad_y, y) and its sum."""
    grad_z = np.empty(grad_y.shape, dtype=grad_y.dtype)
    # the bias gradient is summed in float64 (a sum over up to ~1e5 rows), a
    # partial sum per piece of rows
    total = parallel_sum(len(grad_y), lambda start, stop: _relu_backward(
        grad_y[start:stop], y[start:stop], relu, grad_z[start:stop]), work=grad_y.size)
    if not with_bias:
        return grad_z, np.zeros(0, dtype=grad_y.dtype)
    return grad_z, total.astype(grad_y.dtype)


@kernel
def _relu_backward(grad_y, y, relu, grad_z):
    """grad_z (M, F) = grad_y where y > 0 (all of it when not relu); returns the
    float64 sums of grad_z over the rows (F,), the bias gradient."""
    m, f = grad_y.shape
    total = np.zeros(f, dtype=np.float64)
    for r in range(m):
        grads, outputs, row = grad_y[r], y[r], grad_z[r]  # row views: see image_blocks.py
        for k in range(f):
            g = grads[k] if (not relu or outputs[k] > 0) else 0
            row[k] = g
            total[k] += g
    return total
