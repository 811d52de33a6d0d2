"""The NumPy twins: readable definitions of the hot loops, and the test oracles.

Shapes are NHWC. ``x`` is already padded; the layers do the padding so that
each kernel has one job. For a window of size (kh, kw) moved with strides
(sh, sw), the output has ``out_h = (H - kh) // sh + 1`` rows (likewise for
width). Each function loops over the kh*kw kernel offsets and copies one
strided slice per offset: kh*kw Python iterations, each a vectorised copy.

Every function here has a numba twin in ``fast.py`` with the same signature.
"""
import numpy as np


def _window_slice(i, j, sh, sw, out_h, out_w):
    """The input positions that kernel offset (i, j) touches across all windows."""
    return slice(i, i + sh * (out_h - 1) + 1, sh), slice(j, j + sw * (out_w - 1) + 1, sw)


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
            rows, columns = _window_slice(i, j, sh, sw, out_h, out_w)
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
            rows, columns = _window_slice(i, j, sh, sw, out_h, out_w)
            x[:, rows, columns, :] += cols[:, :, :, i, j, :]
    return x


def maxpool_forward(x, ph, pw, sh, sw, out_h, out_w):
    """Max over each (ph, pw) window, per channel.

    x: (N, H, W, C) -> (y: (N, out_h, out_w, C), argmax: same shape, int32).
    argmax is the position of the maximum inside its window, ``i * pw + j``.
    Ties: the first maximum in scan order (row by row) wins, because a later
    offset replaces the running maximum only when strictly greater.
    """
    y = np.full((x.shape[0], out_h, out_w, x.shape[3]), -np.inf, dtype=x.dtype)
    argmax = np.zeros(y.shape, dtype=np.int32)
    for i in range(ph):
        for j in range(pw):
            rows, columns = _window_slice(i, j, sh, sw, out_h, out_w)
            candidate = x[:, rows, columns, :]
            better = candidate > y
            y[better] = candidate[better]
            argmax[better] = i * pw + j
    return y, argmax


def maxpool_backward(grad_y, argmax, x_shape, ph, pw, sh, sw):
    """Send each window's gradient to the input that was its maximum.

    grad_y, argmax: (N, out_h, out_w, C) -> grad_x: x_shape. Overlapping
    windows may pick the same input, so contributions are summed.
    """
    _, out_h, out_w, _ = grad_y.shape
    grad_x = np.zeros(x_shape, dtype=grad_y.dtype)
    for i in range(ph):
        for j in range(pw):
            rows, columns = _window_slice(i, j, sh, sw, out_h, out_w)
            grad_x[:, rows, columns, :] += np.where(argmax == i * pw + j, grad_y, 0)
    return grad_x
