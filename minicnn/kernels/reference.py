"""The NumPy twins: readable definitions of the hot loops, and the test oracles.

Shapes are NHWC. ``x`` is already padded; the layers do the padding so that
each kernel has one job. For a window of size (kh, kw) moved with strides
(sh, sw), the output has ``out_h = (H - kh) // sh + 1`` rows (likewise for
width). Each function loops over the kh*kw kernel offsets and copies one
strided slice per offset: kh*kw Python iterations, each a vectorised copy.

Every function here has a numba twin in ``fast.py`` with the same signature.
"""
import numpy as np


def window_slice(i, j, sh, sw, out_h, out_w):
    """The input positions that kernel offset (i, j) touches across all windows."""
    return slice(i, i + sh * (out_h - 1) + 1, sh), slice(j, j + sw * (out_w - 1) + 1, sw)


def matmul(a, b):
    """a @ b. (fast.py splits the rows over threads.)"""
    return a @ b


def matmul_tn(a, b):
    """a.T @ b: a (M, K), b (M, F) -> (K, F), a sum over the M rows."""
    return a.T @ b


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


def conv_forward(x, w, bias, sh, sw, out_h, out_w, relu):
    """Convolution and its epilogue in one call: y = max(im2col(x) @ W + bias, 0)
    (no max when not relu). The definition of fast.py's blocked version.

    x: (N, H, W, C), already padded; w: (kh, kw, C, F); bias: (F,) or empty
    -> (y: (N, out_h, out_w, F), saved: what conv_backward needs; here x).
    """
    kh, kw, _, f = w.shape
    z = matmul(im2col(x, kh, kw, sh, sw, out_h, out_w), w.reshape(-1, f))
    return bias_relu(z, bias, relu).reshape(len(x), out_h, out_w, f), x


def conv_backward(saved, w, grad_y, y, sh, sw, relu, with_bias, input_grad):
    """The gradients of conv_forward: saved as it returned, w as given to it;
    grad_y, y: (N, out_h, out_w, F) -> (grad_w like w, grad_bias (F,) or empty,
    grad_x like x, or (0, H, W, C) when not input_grad)."""
    x = saved
    kh, kw, _, f = w.shape
    _, out_h, out_w, _ = grad_y.shape
    grad_z, grad_bias = relu_bias_backward(grad_y.reshape(-1, f), y.reshape(-1, f), relu,
                                           with_bias)
    grad_w = matmul_tn(im2col(x, kh, kw, sh, sw, out_h, out_w), grad_z).reshape(w.shape)
    if not input_grad:
        return grad_w, grad_bias, np.zeros((0,) + x.shape[1:], dtype=x.dtype)
    grad_cols = matmul(grad_z, w.reshape(-1, f).T)
    return grad_w, grad_bias, col2im(grad_cols, x.shape, kh, kw, sh, sw, out_h, out_w)


def bias_relu(z, bias, relu):
    """The epilogue of a layer's matrix product, in place: z += bias, then
    z = max(z, 0) when relu. z: (M, F); bias: (F,) or empty for none. Returns z."""
    if bias.size:
        z += bias
    if relu:
        np.maximum(z, 0, out=z)
    return z


def relu_bias_backward(grad_y, y, relu, with_bias):
    """The gradient before the epilogue, and the bias gradient, in one step.

    grad_y, y: (M, F) -> grad_z (M, F), a new array: grad_y where y > 0 (every
    element when not relu); grad_bias (F,): the sum of grad_z over the rows
    (empty when not with_bias).
    """
    grad_z = np.where(y > 0, grad_y, 0).astype(grad_y.dtype) if relu else grad_y.copy()
    grad_bias = grad_z.sum(axis=0) if with_bias else np.zeros(0, dtype=grad_y.dtype)
    return grad_z, grad_bias


def maxpool_forward(x, ph, pw, sh, sw, out_h, out_w):
    """Max over each (ph, pw) window, per channel.

    x: (N, H, W, C) -> (y: (N, out_h, out_w, C), argmax: same shape, int32).
    argmax is the position of the maximum inside its window, ``i * pw + j``.
    Ties: the first maximum in scan order (row by row) wins, because a later
    offset replaces the running maximum only when strictly greater.
    NaN propagates, as in np.max: the first NaN of a window wins it.
    """
    y = np.full((x.shape[0], out_h, out_w, x.shape[3]), -np.inf, dtype=x.dtype)
    argmax = np.zeros(y.shape, dtype=np.int32)
    for i in range(ph):
        for j in range(pw):
            rows, columns = window_slice(i, j, sh, sw, out_h, out_w)
            candidate = x[:, rows, columns, :]
            better = (candidate > y) | (np.isnan(candidate) & ~np.isnan(y))
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
            rows, columns = window_slice(i, j, sh, sw, out_h, out_w)
            grad_x[:, rows, columns, :] += np.where(argmax == i * pw + j, grad_y, 0)
    return grad_x


# Fill modes of affine_resample, by index: how positions outside the image read.
#   nearest: aaaa|abcd|dddd   constant: kkkk|abcd|kkkk (k = cval)
#   reflect: dcba|abcd|dcba   wrap:     abcd|abcd|abcd
FILL_MODES = ("nearest", "constant", "reflect", "wrap")


def _fold_positions(index, size, fill_mode):
    """Integer positions mapped inside [0, size); also whether each was inside."""
    inside = (index >= 0) & (index < size)
    if FILL_MODES[fill_mode] == "reflect":
        period = np.mod(index, 2 * size)
        index = np.where(period < size, period, 2 * size - 1 - period)
    elif FILL_MODES[fill_mode] == "wrap":
        index = np.mod(index, size)
    else:
        index = np.clip(index, 0, size - 1)
    return index, inside


def affine_resample(x, matrix, shift, fill_mode, cval):
    """Resample one image x (H, W, C) through an affine map, bilinearly.

    Output pixel (r, c) reads the input at
        (r_in, c_in) = matrix @ (r - o_r, c - o_c) + (o_r, o_c) + shift,  o = (size - 1) / 2,
    blending its four neighbours; neighbours outside the image read per
    FILL_MODES[fill_mode]. Positions within 1e-6 of a whole pixel are snapped
    to it, so whole-pixel shifts and quarter turns copy pixels exactly.
    Returns float32 (H, W, C).
    """
    h, w, _ = x.shape
    o_r, o_c = (h - 1) / 2, (w - 1) / 2
    rows, cols = np.meshgrid(np.arange(h) - o_r, np.arange(w) - o_c, indexing="ij")
    r_in = matrix[0, 0] * rows + matrix[0, 1] * cols + o_r + shift[0]
    c_in = matrix[1, 0] * rows + matrix[1, 1] * cols + o_c + shift[1]
    r_in = np.where(np.abs(r_in - np.rint(r_in)) < 1e-6, np.rint(r_in), r_in)
    c_in = np.where(np.abs(c_in - np.rint(c_in)) < 1e-6, np.rint(c_in), c_in)
    r0, c0 = np.floor(r_in).astype(np.int64), np.floor(c_in).astype(np.int64)
    fr, fc = (r_in - r0)[..., None], (c_in - c0)[..., None]
    out = np.zeros(x.shape, dtype=np.float64)
    for dr, weight_r in ((0, 1 - fr), (1, fr)):
        rr, r_inside = _fold_positions(r0 + dr, h, fill_mode)
        for dc, weight_c in ((0, 1 - fc), (1, fc)):
            cc, c_inside = _fold_positions(c0 + dc, w, fill_mode)
            values = x[rr, cc].astype(np.float64)
            if FILL_MODES[fill_mode] == "constant":
                values = np.where((r_inside & c_inside)[..., None], values, cval)
            out += weight_r * weight_c * values
    return out.astype(np.float32)
