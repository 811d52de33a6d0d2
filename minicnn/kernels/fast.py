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
benchmarks/train_step.py's workloads.
"""
import functools
import os
import tempfile
import warnings

import numba
import numpy as np
from numba import njit

from minicnn.threads import parallel_for

# Keep the compiled kernels in the user's cache folder, not beside the
# installed sources: files written into site-packages outlive a reinstall (pip
# removes only what it installed) and turn the old package folder into an
# empty namespace package that shadows the new install. NUMBA_CACHE_DIR, when
# set, still wins. numba reads this when each @njit below is applied.
if not os.environ.get("NUMBA_CACHE_DIR"):
    _cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    numba.config.CACHE_DIR = os.path.join(_cache_home, "minicnn", "numba")


def _writable(folder):
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return None
    except OSError as error:
        return error


# Where the cache cannot be written (a read-only home, another user's install),
# numba would fail at the first call ("no locator available"): compile in
# memory instead, and say so once.
_cache_error = _writable(numba.config.CACHE_DIR)
CACHE = _cache_error is None
if not CACHE:
    warnings.warn(f"minicnn: cannot write numba's cache folder {numba.config.CACHE_DIR} "
                  f"({_cache_error}); the kernels are compiled in memory, again in each new "
                  f"process. Set NUMBA_CACHE_DIR to a writable folder to keep them.")

# nogil: minicnn's threads run these kernels side by side (threads.parallel_for)
kernel = njit(cache=CACHE, nogil=True)


# -- matrix products, split by rows ---------------------------------------------
# The work handed to parallel_for is counted in elements of the input image
# for the loop kernels, and for a matrix product in multiply-adds divided by
# MULTIPLY_ADDS_PER_ELEMENT: one multiply-add costs about a twelfth of an
# element through a loop kernel here (benchmarks/train_step.py's layers).
MULTIPLY_ADDS_PER_ELEMENT = 12


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
    parts = {}

    def piece(start, stop):
        parts[start] = a[start:stop].T @ b[start:stop]
    work = a.size * b.shape[1] // MULTIPLY_ADDS_PER_ELEMENT if b.shape[1] >= 32 else 0
    parallel_for(len(a), piece, work=work)
    return functools.reduce(np.add, (parts[start] for start in sorted(parts)))


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


# -- convolution by image blocks, for few filters -------------------------------
# With few filters, im2col + one matrix product for the whole batch spends its
# time writing and rereading a matrix kh*kw times the input (3.4M numbers for
# the galaxy model's first layer), far larger than the CPU's caches, for a
# product with F <= 8 columns. Here the same arithmetic runs a few images at
# a time, each block's unfolded matrix small enough to stay in cache, where
# BLAS runs near its peak (60 GMAC/s for one galaxy image against 16 for the
# whole batch, measured). Two tricks make the unfolding cheap:
# - The batch is first split by phase: with strides (sh, sw),
#       phases[n, c, pr, pc, r, q] = x[n, r*sh + pr, q*sw + pc, c]
#   so the pixels a tap (i, j, c) reads for all outputs (oh, ow) are
#       phases[n, c, i % sh, j % sw, oh + i // sh, ow + j // sw],
#   one contiguous run of the flattened (r, q) plane, starting at
#   (i // sh) * Q + j // sw, if each output row is given the phase row's full
#   length Q (its last Q - out_w columns are padding, set to zero).
# - So the block's matrix (taps x pixels) is built from kh*kw*C long copies,
#   and the backward's input gradient is added back the same way.
# The phases are kept from forward to backward (they are x, rearranged).
# Bias and ReLU are applied as outputs are written (forward) and read
# (backward). reference.py defines both functions through im2col.
BLOCK_NUMBERS = 1 << 16  # numbers in a block's unfolded matrix: 256 KiB of float32


class Phases:
    """The input split by phase, with what the backward needs to use it."""

    def __init__(self, x, kh, kw, sh, sw, out_h, out_w):
        n, h, w, c = x.shape
        self.x_shape, self.kernel, self.strides = x.shape, (kh, kw), (sh, sw)
        self.out_h, self.out_w = out_h, out_w
        self.rows, self.length = out_h + (kh - 1) // sh, out_w + (kw - 1) // sw
        self.pixels = out_h * self.length  # per image, padding columns included
        # one spare row: the last tap's run reaches past the last row by up to kw // sw
        self.data = np.empty((n, c, sh, sw, (self.rows + 1) * self.length), dtype=x.dtype)
        # the offset of each tap's run in its (pr, pc) plane, and that plane, by tap (i, j, c)
        taps = [(i, j, ch) for i in range(kh) for j in range(kw) for ch in range(c)]
        self.plane = np.array([(ch * sh + i % sh) * sw + j % sw for i, j, ch in taps], np.int64)
        self.offset = np.array([(i // sh) * self.length + j // sw for i, j, ch in taps], np.int64)
        self.block = max(1, BLOCK_NUMBERS // (len(taps) * self.pixels))

    def buffers(self, images, rows):
        """A block's unfolded matrix (taps, block pixels), and one (r, block pixels)
        matrix for each r in rows, for a piece of ``images`` images."""
        width = min(self.block, images) * self.pixels
        dtype = self.data.dtype
        return (np.empty((len(self.plane), width), dtype),
                [np.empty((r, width), dtype) for r in rows])


def conv_forward(x, w, bias, sh, sw, out_h, out_w, relu):
    n = len(x)
    kh, kw, c, f = w.shape
    phases = Phases(x, kh, kw, sh, sw, out_h, out_w)
    weights_t = np.ascontiguousarray(w.reshape(-1, f).T)  # (F, taps)
    bias = bias if bias.size else np.zeros(f, dtype=x.dtype)
    y = np.empty((n, out_h, out_w, f), dtype=x.dtype)

    def piece(start, stop):
        _split_phases(x[start:stop], sh, sw, phases.rows, phases.length, phases.data[start:stop])
        # one buffer per piece for every block's matrices: a fresh 0.4 MiB array
        # per image cost as much as the copy into it (the system zero-fills it)
        cols, z = phases.buffers(stop - start, (f,))
        for first in range(start, stop, phases.block):
            last = min(first + phases.block, stop)
            width = (last - first) * phases.pixels
            _unfold(phases.data[first:last], phases.plane, phases.offset, phases.out_w,
                    phases.length, cols[:, :width])
            np.matmul(weights_t, cols[:, :width], out=z[0][:, :width])
            _write_outputs(z[0][:, :width], bias, relu, phases.length, y[first:last])
    parallel_for(n, piece, work=y.size * kh * kw * c // MULTIPLY_ADDS_PER_ELEMENT)
    return y, phases


# In these loops the innermost index runs over 1-D views: numba compiles
# x[b, r, col, c] in an inner loop to per-element index arithmetic that the
# compiler cannot vectorise (a 27 x 4032 copy took 29 us with 2-D indexing,
# 8.5 us through row views).
@kernel
def _split_phases(x, sh, sw, rows, length, phases):
    """phases[b, c, pr, pc, r*length + q] = x[b, r*sh + pr, q*sw + pc, c]; zero outside x."""
    n, h, w, c = x.shape
    phases[:] = 0
    for b in range(n):
        for pr in range(sh):
            for r in range(min(rows, (h - pr + sh - 1) // sh)):
                source = x[b, r * sh + pr].reshape(w * c)
                for ch in range(c):
                    for pc in range(sw):
                        run = phases[b, ch, pr, pc, r * length:(r + 1) * length]
                        stride, first = sw * c, pc * c + ch
                        for q in range(min(length, (w - pc + sw - 1) // sw)):
                            run[q] = source[first + q * stride]


@kernel
def _merge_phases(grad_phases, sh, sw, rows, length, grad_x):
    """The inverse of _split_phases, for gradients: positions no window reached get zero."""
    n, h, w, c = grad_x.shape
    grad_x[:] = 0
    for b in range(n):
        for pr in range(sh):
            for r in range(min(rows, (h - pr + sh - 1) // sh)):
                target = grad_x[b, r * sh + pr].reshape(w * c)
                for ch in range(c):
                    for pc in range(sw):
                        run = grad_phases[b, ch, pr, pc, r * length:(r + 1) * length]
                        stride, first = sw * c, pc * c + ch
                        for q in range(min(length, (w - pc + sw - 1) // sw)):
                            target[first + q * stride] = run[q]


@kernel
def _unfold(phases, plane, offset, out_w, length, cols):
    """cols[t, (b, oh, q)] = plane of tap t, from its offset: one run per image and tap;
    the padding columns q >= out_w are set to zero."""
    n = phases.shape[0]
    pixels = cols.shape[1] // n
    flat = phases.reshape(n, -1, phases.shape[-1])
    for t in range(len(plane)):
        for b in range(n):
            source = flat[b, plane[t], offset[t]:offset[t] + pixels]
            target = cols[t, b * pixels:(b + 1) * pixels]
            for m in range(pixels):
                target[m] = source[m]
            for start in range(out_w, pixels, length):
                for m in range(start, start + length - out_w):
                    target[m] = 0


@kernel
def _write_outputs(z, bias, relu, length, y):
    """y[b, oh, ow, k] = act(z[k, (b, oh, ow)] + bias[k]), skipping the padding columns."""
    n, out_h, out_w, f = y.shape
    for b in range(n):
        for oh in range(out_h):
            row = y[b, oh].reshape(out_w * f)
            first = (b * out_h + oh) * length
            for k in range(f):
                values = z[k, first:first + out_w]
                for ow in range(out_w):
                    v = values[ow] + bias[k]
                    row[ow * f + k] = max(v, 0) if relu else v


def conv_backward(saved, w, grad_y, y, sh, sw, relu, with_bias, input_grad):
    phases = saved
    n = len(grad_y)
    kh, kw, c, f = w.shape
    weights = np.ascontiguousarray(w.reshape(-1, f))  # (taps, F)
    grad_x = np.empty(phases.x_shape if input_grad else (0,) + phases.x_shape[1:],
                      dtype=grad_y.dtype)
    # the weight and bias gradients per piece of the batch (float64 sums),
    # added in a fixed order at the end: pieces run at once and must not share them
    parts = {}

    def piece(start, stop):
        grad_w_t, grad_b = np.zeros((f, len(weights))), np.zeros(f)
        grad_phases = np.zeros_like(phases.data[start:stop]) if input_grad else None
        cols, (grad_z, grad_cols) = phases.buffers(stop - start, (f, len(weights)))
        for first in range(start, stop, phases.block):
            last = min(first + phases.block, stop)
            width = (last - first) * phases.pixels
            grad_b += _read_gradients(grad_y[first:last], y[first:last], relu, phases.length,
                                      grad_z[:, :width])
            _unfold(phases.data[first:last], phases.plane, phases.offset, phases.out_w,
                    phases.length, cols[:, :width])
            grad_w_t += grad_z[:, :width] @ cols[:, :width].T
            if input_grad:
                np.matmul(weights, grad_z[:, :width], out=grad_cols[:, :width])
                _fold(grad_cols[:, :width], phases.plane, phases.offset, phases.out_w,
                      phases.length, grad_phases[first - start:last - start])
        if input_grad:
            _merge_phases(grad_phases, sh, sw, phases.rows, phases.length, grad_x[start:stop])
        parts[start] = grad_w_t, grad_b
    # On one thread: the weight gradient's products (8 x 27 outputs summed over
    # 4,032 pixels, in the galaxy model) ran slower on two threads than on one
    # (OpenBLAS, called that often from two threads at once: 0.94 -> 1.17 ms
    # for 32 images); the whole backward went from 3.1 to 3.6 ms.
    parallel_for(n, piece, work=0)
    grad_w_t = functools.reduce(np.add, (parts[k][0] for k in sorted(parts)))
    grad_b = functools.reduce(np.add, (parts[k][1] for k in sorted(parts)))
    return (grad_w_t.T.reshape(w.shape).astype(grad_y.dtype),
            grad_b.astype(grad_y.dtype) if with_bias else np.zeros(0, dtype=grad_y.dtype), grad_x)


@kernel
def _read_gradients(grad_y, y, relu, length, grad_z):
    """grad_z[k, (b, oh, q)] = dL/dz (ReLU applied; zero in the padding columns);
    returns the per-filter sums (float64), the bias gradient's share."""
    n, out_h, out_w, f = grad_y.shape
    totals = np.zeros(f)
    grad_z[:] = 0
    for b in range(n):
        for oh in range(out_h):
            grads = grad_y[b, oh].reshape(out_w * f)
            outputs = y[b, oh].reshape(out_w * f)
            first = (b * out_h + oh) * length
            for k in range(f):
                row = grad_z[k, first:first + out_w]
                total = 0.0
                for ow in range(out_w):
                    g = grads[ow * f + k]
                    g = g if (not relu or outputs[ow * f + k] > 0) else 0
                    row[ow] = g
                    total += g
                totals[k] += total
    return totals


@kernel
def _fold(grad_cols, plane, offset, out_w, length, grad_phases):
    """The adjoint of _unfold: add each tap's row back into its plane at its offset
    (the padding columns, which hold no gradient, are skipped)."""
    n = grad_phases.shape[0]
    pixels = grad_cols.shape[1] // n
    flat = grad_phases.reshape(n, -1, grad_phases.shape[-1])
    for t in range(len(plane)):
        for b in range(n):
            target = flat[b, plane[t], offset[t]:offset[t] + pixels]
            source = grad_cols[t, b * pixels:(b + 1) * pixels]
            for start in range(0, pixels, length):
                for m in range(start, start + out_w):
                    target[m] += source[m]


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
    # partial sum per piece of rows, added in a fixed order at the end
    totals = {}

    def piece(start, stop):
        totals[start] = _relu_backward(grad_y[start:stop], y[start:stop], relu, grad_z[start:stop])
    parallel_for(len(grad_y), piece, work=grad_y.size)
    if not with_bias:
        return grad_z, np.zeros(0, dtype=grad_y.dtype)
    return grad_z, functools.reduce(np.add, (totals[k] for k in sorted(totals))).astype(grad_y.dtype)


@kernel
def _relu_backward(grad_y, y, relu, grad_z):
    m, f = grad_y.shape
    total = np.zeros(f, dtype=np.float64)
    for r in range(m):
        grads, outputs, row = grad_y[r], y[r], grad_z[r]  # row views: see _split_phases
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
