"""numba versions of the kernels in ``reference.py``, with the same signatures.

``reference.py`` is the definition; these are tested equal to it. Each loop
kernel below works on a run of images and writes into an output it is given;
the Python function in front of it allocates the output and hands pieces of
the batch to ``threads.parallel_for``, which runs them on minicnn's threads
when the work is large enough. A piece writes only its own images, so no two
threads ever add into the same element (col2im and the max-pool backward sum
into their outputs). The kernels are compiled with ``nogil=True`` so that the
threads run at once, and without numba's own parallel loops (see threads.py
for why). ``cache=True`` compiles once per dtype and keeps the machine code on disk.

Where the fastest loop order depends on the channel count, the Python function
picks one of two compiled loops; the threshold (8 channels) was measured with
benchmarks/train_step.py's workloads. The convolution by image blocks
(conv_forward, conv_backward) lives in conv_blocks.py; compiled.py holds the
cache folder and the ``kernel`` decorator.
"""

import numpy as np

from minicnn.kernels.compiled import CACHE, kernel, njit
from minicnn.kernels.conv_blocks import conv_backward, conv_forward  # noqa: F401 (twins)
from minicnn.threads import MULTIPLY_ADDS_PER_ELEMENT, parallel_for, parallel_sum

# -- matrix products, split by rows ---------------------------------------------
def matmul(a, b):
    """a @ b, the rows of a split over minicnn's threads."""
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))
    parallel_for(len(a), lambda start, stop: np.matmul(a[start:stop], b, out=out[start:stop]),
                 work=a.size * b.shape[1] // MULTIPLY_ADDS_PER_ELEMENT)
    return out


def matmul_tn(a, b):
    """a.T @ b, summed over the rows of a and b: each thread sums its rows,
    and the partial products are added at the end. With fewer than 32
    columns in b two threads were slower than one (measured), so those stay
    on one thread."""
    work = a.size * b.shape[1] // MULTIPLY_ADDS_PER_ELEMENT if b.shape[1] >= 32 else 0
    return parallel_sum(len(a), lambda start, stop: a[start:stop].T @ b[start:stop], work)


# -- im2col and col2im ------------------------------------------------------------
# Two loop orders, one result. With 8+ channels the channel loop is the long
# contiguous run and goes innermost. With fewer, a window's row (kw * c
# contiguous values in NHWC) is copied as one run. The choice only changes
# speed; both are tested equal to reference.py.
def im2col(x, kh, kw, sh, sw, out_h, out_w):
    n, _, _, c = x.shape
    cols = np.empty((n, out_h * out_w * kh * kw * c), dtype=x.dtype)
    unfold = _im2col_channels_inner if c >= 8 else _im2col_row_runs
    parallel_for(n, lambda start, stop: unfold(x[start:stop], kh, kw, sh, sw, out_h, out_w,
                                               cols[start:stop]), work=x.size)
    return cols.reshape(n * out_h * out_w, kh * kw * c)


def col2im(cols, x_shape, kh, kw, sh, sw, out_h, out_w):
    n, h, w, c = x_shape
    windows = cols.reshape(n, -1)
    x = np.empty((n, h, w, c), dtype=cols.dtype)
    fold = _col2im_channels_inner if c >= 8 else _col2im_row_runs
    parallel_for(n, lambda start, stop: fold(windows[start:stop], kh, kw, sh, sw, out_h, out_w,
                                             x[start:stop]), work=x.size)
    return x


@kernel
def _im2col_channels_inner(x, kh, kw, sh, sw, out_h, out_w, out):
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


# -- the epilogue of a layer's matrix product, split by rows ---------------------
def bias_relu(z, bias, relu):
    parallel_for(len(z), lambda start, stop: _bias_relu(z[start:stop], bias, relu), work=z.size)
    return z


@kernel
def _bias_relu(z, bias, relu):
    m, f = z.shape
    with_bias = bias.size > 0
    for r in range(m):
        row = z[r]
        for k in range(f):
            v = row[k] + bias[k] if with_bias else row[k]
            row[k] = max(v, 0) if relu else v


def relu_bias_backward(grad_y, y, relu, with_bias):
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
    m, f = grad_y.shape
    total = np.zeros(f, dtype=np.float64)
    for r in range(m):
        grads, outputs, row = grad_y[r], y[r], grad_z[r]  # row views: see conv_blocks.py
        for k in range(f):
            g = grads[k] if (not relu or outputs[k] > 0) else 0
            row[k] = g
            total[k] += g
    return total


def maxpool_forward(x, ph, pw, sh, sw, out_h, out_w):
    n, _, _, c = x.shape
    y = np.empty((n, out_h, out_w, c), dtype=x.dtype)
    argmax = np.empty((n, out_h, out_w, c), dtype=np.int32)
    # Two loop orders, one result: with many channels the channel loop is the
    # long contiguous one and goes innermost; with few, each channel's window
    # is scanned on its own so the running maximum stays in a register.
    scan = _maxpool_channels_inner if c >= 8 else _maxpool_window_inner
    # The NaN rule costs a branch in the inner loop that made the xray model's
    # pooling 3.5x slower. So the loops first run without it (the compiler
    # takes the test out when the flag is False) and report whether they met
    # a NaN; only then do they run again with the rule (a separate np.isnan
    # pass cost a fifth of the pooling).
    met = []

    def piece(start, stop, nans=False):
        if scan(x[start:stop], ph, pw, sh, sw, nans, y[start:stop], argmax[start:stop]):
            met.append((start, stop))
    parallel_for(n, piece, work=x.size)
    for start, stop in met:
        piece(start, stop, nans=True)
    return y, argmax


@kernel
def _maxpool_channels_inner(x, ph, pw, sh, sw, nans, y, argmax):
    n, out_h, out_w, c = y.shape
    best = np.empty(c, dtype=x.dtype)
    where = np.empty(c, dtype=np.int32)
    met_nan = False
    for b in range(n):
        for oh in range(out_h):
            for ow in range(out_w):
                top, left = oh * sh, ow * sw
                for ch in range(c):
                    best[ch] = x[b, top, left, ch]
                    where[ch] = 0
                for i in range(ph):
                    for j in range(pw):
                        for ch in range(c):
                            v = x[b, top + i, left + j, ch]
                            # strictly greater: the first maximum in scan order wins;
                            # v != v is NaN, which beats any number, as in np.max
                            if v > best[ch] or (nans and v != v and best[ch] == best[ch]):
                                best[ch] = v
                                where[ch] = i * pw + j
                            met_nan |= v != v
                for ch in range(c):
                    y[b, oh, ow, ch] = best[ch]
                    argmax[b, oh, ow, ch] = where[ch]
    return met_nan and not nans


@kernel
def _maxpool_window_inner(x, ph, pw, sh, sw, nans, y, argmax):
    n, out_h, out_w, c = y.shape
    met_nan = False
    for b in range(n):
        for oh in range(out_h):
            for ow in range(out_w):
                top, left = oh * sh, ow * sw
                for ch in range(c):
                    best = x[b, top, left, ch]
                    where = 0
                    for i in range(ph):
                        for j in range(pw):
                            v = x[b, top + i, left + j, ch]
                            # as in _maxpool_channels_inner: first maximum, NaN wins
                            if v > best or (nans and v != v and best == best):
                                best = v
                                where = i * pw + j
                            met_nan |= v != v
                    y[b, oh, ow, ch] = best
                    argmax[b, oh, ow, ch] = where
    return met_nan and not nans


def maxpool_backward(grad_y, argmax, x_shape, ph, pw, sh, sw):
    grad_x = np.empty(x_shape, dtype=grad_y.dtype)
    parallel_for(len(grad_x), lambda start, stop: _maxpool_backward(
        grad_y[start:stop], argmax[start:stop], ph, pw, sh, sw, grad_x[start:stop]),
        work=grad_x.size)
    return grad_x


@kernel
def _maxpool_backward(grad_y, argmax, ph, pw, sh, sw, grad_x):
    n, _, _, c = grad_x.shape
    _, out_h, out_w, _ = grad_y.shape
    # When windows tile the input (stride = pool size) each input lies in at
    # most one window: write every covered position once, instead of zeroing
    # the whole image and then adding. That pays off when the channel loop is
    # long enough to vectorise (8+ channels, as in maxpool_forward).
    tiled = sh == ph and sw == pw and c >= 8
    for b in range(n):
        if tiled:
            for oh in range(out_h):
                for i in range(ph):
                    for ow in range(out_w):
                        for j in range(pw):
                            k = i * pw + j
                            for ch in range(c):
                                g = grad_y[b, oh, ow, ch] if argmax[b, oh, ow, ch] == k else 0
                                grad_x[b, oh * sh + i, ow * sw + j, ch] = g
            grad_x[b, out_h * sh:] = 0             # rows no window reached
            grad_x[b, :out_h * sh, out_w * sw:] = 0  # and columns
        else:
            grad_x[b] = 0
            for oh in range(out_h):
                for ow in range(out_w):
                    for ch in range(c):
                        k = argmax[b, oh, ow, ch]
                        grad_x[b, oh * sh + k // pw, ow * sw + k % pw, ch] += grad_y[b, oh, ow, ch]


@njit(cache=CACHE)
def _fold_index(index, size, fill_mode):
    # fill modes by index, as reference.FILL_MODES: nearest, constant, reflect, wrap
    if fill_mode == 2:
        period = index % (2 * size)  # numba's % follows Python: never negative here
        return period if period < size else 2 * size - 1 - period
    if fill_mode == 3:
        return index % size
    return min(max(index, 0), size - 1)


@njit(cache=CACHE)
def _split(v):
    """(whole, fraction) of a position; within 1e-6 of a whole pixel, exactly that pixel."""
    whole = np.floor(v)
    fraction = v - whole
    if fraction < 1e-6:
        return int(whole), 0.0
    if fraction > 1 - 1e-6:
        return int(whole) + 1, 0.0
    return int(whole), fraction


@kernel
def affine_resample(x, matrix, shift, fill_mode, cval):
    h, w, c = x.shape
    o_r, o_c = (h - 1) / 2, (w - 1) / 2
    out = np.empty((h, w, c), dtype=np.float32)
    for r in range(h):
        for col in range(w):
            dr_, dc_ = r - o_r, col - o_c
            r0, fr = _split(matrix[0, 0] * dr_ + matrix[0, 1] * dc_ + o_r + shift[0])
            c0, fc = _split(matrix[1, 0] * dr_ + matrix[1, 1] * dc_ + o_c + shift[1])
            w00, w01 = (1 - fr) * (1 - fc), (1 - fr) * fc
            w10, w11 = fr * (1 - fc), fr * fc
            if 0 <= r0 and r0 + 1 < h and 0 <= c0 and c0 + 1 < w:
                # all four neighbours inside: no fill mode to consult
                for ch in range(c):
                    out[r, col, ch] = (w00 * x[r0, c0, ch] + w01 * x[r0, c0 + 1, ch]
                                       + w10 * x[r0 + 1, c0, ch] + w11 * x[r0 + 1, c0 + 1, ch])
                continue
            for ch in range(c):
                total = 0.0
                for dr in range(2):
                    rr = r0 + dr
                    for dc in range(2):
                        weight = (w10 if dc == 0 else w11) if dr else (w00 if dc == 0 else w01)
                        if weight == 0:
                            continue
                        cc = c0 + dc
                        if fill_mode == 1 and not (0 <= rr < h and 0 <= cc < w):
                            total += weight * cval
                        else:
                            total += weight * x[_fold_index(rr, h, fill_mode),
                                                _fold_index(cc, w, fill_mode), ch]
                out[r, col, ch] = total
    return out
