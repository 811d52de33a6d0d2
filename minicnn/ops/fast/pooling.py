"""Max-pooling, compiled: the numba version of reference.maxpool2d_forward/backward's loops.

Same results as the NumPy version, ties and NaN included (tests/test_ops.py):
the first maximum in scan order wins a window, and a NaN beats any number.
"""
import numpy as np

from minicnn.ops.fast.compiled import kernel
from minicnn.parallel.pool import parallel_for


def maxpool_forward(x, ph, pw, sh, sw, out_h, out_w):
    """x (N, H, W, C), already padded -> (y (N, out_h, out_w, C), argmax: the same
    shape, int32, where each maximum was in its window, i * pw + j)."""
    n, _, _, c = x.shape
    y = np.empty((n, out_h, out_w, c), dtype=x.dtype)
    argmax = np.empty((n, out_h, out_w, c), dtype=np.int32)
    # Two loop orders, one result: with many channels the channel loop is the
    # long contiguous one and goes innermost; with few, each channel's window
    # is scanned on its own so the running maximum stays in a register.
    scan = _maxpool_channels_inner if c >= 8 else _maxpool_window_inner
    # The NaN rule costs a branch in the inner loop that slows the pooling
    # several times over (RESULTS.md). So the loops first run without it (the
    # compiler takes the test out when the flag is False) and report whether
    # they met a NaN; only then do they run again with the rule.
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
    """Window maxima, channels innermost: x (n, H, W, C) padded -> y, argmax
    (n, out_h, out_w, C), written in place. With nans=False NaN is not looked
    for; returns whether one was met (then run again with nans=True)."""
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
    """As _maxpool_channels_inner, one channel's window at a time (for few channels)."""
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
    """grad_y, argmax (N, out_h, out_w, C) -> grad_x (x_shape, padded): each window's
    gradient to its maximum, summed where windows overlap; zero elsewhere."""
    grad_x = np.empty(x_shape, dtype=grad_y.dtype)
    parallel_for(len(grad_x), lambda start, stop: _maxpool_backward(
        grad_y[start:stop], argmax[start:stop], ph, pw, sh, sw, grad_x[start:stop]),
        work=grad_x.size)
    return grad_x


@kernel
def _maxpool_backward(grad_y, argmax, ph, pw, sh, sw, grad_x):
    """grad_y, argmax (n, out_h, out_w, C) -> grad_x (n, H, W, C), every element
    written: each window's gradient at its maximum, summed where windows overlap."""
    n, _, _, c = grad_x.shape
    _, out_h, out_w, _ = grad_y.shape
    # When windows tile the input (stride = pool size) each input lies in at
    # most one window: write every covered position once, instead of zeroing
    # the whole image and then adding. That pays off when the channel loop is
    # long enough to vectorise (8+ channels, as in maxpool_forward); the rows
    # and columns no window reached are zeroed after.
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
