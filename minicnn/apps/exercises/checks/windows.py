"""The checks of im2col (exercise 2) and col2im (exercise 3), and the symptom of
a col2im (or any backward over windows) that assigns where it must add.

    cols = im2col(x, kh, kw, stride)            x (N, H, W, C), already padded;
                                                cols (N*H'*W', kh*kw*C), one row per window
    x = col2im(cols, x_shape, kh, kw, stride)   its adjoint: rows added back into windows

minicnn's im2col and col2im (ops/reference.py) are the oracles.
"""
import numpy as np

from minicnn.apps.exercises.calling import Call, array, returned
from minicnn.apps.exercises.verdict import Mistake, passed, require_equal
from minicnn.gradcheck import rel_error
from minicnn.ops import reference
from minicnn.ops.windows import output_size

# (x shape, kh, kw, stride, dtype): overlapping windows, a stride, a 3x2 window, float32
WINDOWS = [((2, 5, 6, 3), 3, 3, 1, np.float64), ((2, 7, 8, 3), 3, 2, 2, np.float64),
           ((1, 6, 6, 2), 2, 2, 2, np.float64), ((2, 5, 4, 2), 3, 2, 1, np.float32)]
WINDOWS_SUMMARY = ("4 cases (stride 1 and 2, overlapping windows and not, a 3x2 window, "
                   "float32)")


def _window_case(shape, kh, kw, stride, rng, dtype=np.float64):
    x = rng.standard_normal(shape).astype(dtype)
    out_h = output_size(shape[1], kh, stride)
    out_w = output_size(shape[2], kw, stride)
    return x, out_h, out_w


def cols_formula(x_shape, kh, kw, stride, out_h, out_w):
    n, h, w, c = x_shape
    return [f"H' = (H - kh) // stride + 1 = ({h} - {kh}) // {stride} + 1 = {out_h}, "
            f"W' = ({w} - {kw}) // {stride} + 1 = {out_w}",
            f"cols: (N * H' * W', kh * kw * C) = ({n * out_h * out_w}, {kh * kw * c}): "
            f"one row per window"]


def check_im2col(im2col, name="im2col"):
    """Exercise 2: cols = im2col(x, kh, kw, stride), one row per window, in (i, j, c) order."""
    rng = np.random.default_rng(2)
    worst = 0.0
    for shape, kh, kw, stride, dtype in WINDOWS:
        x, out_h, out_w = _window_case(shape, kh, kw, stride, rng, dtype)
        call = Call(im2col, name, {"x": x, "kh": kh, "kw": kw, "stride": stride},
                    shown=("kh", "kw", "stride"))
        cols = array(call, "cols", returned(call, call(), ("cols",)), like=x)
        expected = reference.im2col(x, kh, kw, stride, stride, out_h, out_w).astype(np.float64)
        require_equal(name, f"On {call.text()}", "cols", cols, expected,
                      lambda: im2col_mistakes(x, kh, kw, stride, expected),
                      cols_formula(shape, kh, kw, stride, out_h, out_w), dtype=dtype)
        worst = max(worst, rel_error(cols, expected))
    passed(name, WINDOWS_SUMMARY, worst)


def im2col_mistakes(x, kh, kw, stride, expected):
    n, _, _, c = x.shape
    out_h, out_w = output_size(x.shape[1], kh, stride), output_size(x.shape[2], kw, stride)
    windows = expected.reshape(n, out_h, out_w, kh, kw, c)
    by_channel_first = windows.transpose(0, 1, 2, 5, 3, 4).reshape(expected.shape)
    stacked_first = windows.transpose(3, 4, 0, 1, 2, 5).reshape(expected.shape)
    column_by_column = windows.transpose(0, 2, 1, 3, 4, 5).reshape(expected.shape)
    mistakes = [Mistake("row order", "each row holds the right numbers in another order: "
                        "(c, i, j) instead of (i, j, c). The row must list the window as "
                        "w.reshape(kh*kw*C, F) lists the kernel: window[i, j, c] at "
                        "(i * kw + j) * C + c, which is window.reshape(-1) in NHWC.",
                        by_channel_first),
                Mistake("slices stacked, then reshaped", "your cols holds the right numbers "
                        "in the wrong places: the kh*kw strided slices (one per offset in the "
                        "window, each (N, H', W', C)) were stacked on a first axis and reshaped "
                        "straight to (N*H'*W', kh*kw*C). A reshape keeps the order of the "
                        "elements: put the offset axes after H' and W' first, as an array "
                        "(N, H', W', kh, kw, C) (np.stack(..., axis=3), or transpose), then "
                        "reshape.", stacked_first),
                Mistake("windows in column order", "the rows list the windows column by "
                        "column; row (n * H' + i) * W' + j must hold the window at row "
                        "i*stride, column j*stride (row by row, as out.reshape(N, H', W', F) "
                        "reads them).", column_by_column)]
    if stride > 1:
        out_h, out_w = output_size(x.shape[1], kh, 1), output_size(x.shape[2], kw, 1)
        mistakes.append(Mistake("stride ignored", "you have the windows of stride 1: window "
                                "(i, j) starts at row i*stride, column j*stride.",
                                reference.im2col(x, kh, kw, 1, 1, out_h, out_w)))
    return mistakes


def check_col2im(col2im, name="col2im"):
    """Exercise 3: x = col2im(cols, x_shape, kh, kw, stride), the adjoint of im2col:
    every row added back where its window came from."""
    rng = np.random.default_rng(3)
    worst = 0.0
    for shape, kh, kw, stride, dtype in WINDOWS:
        _, out_h, out_w = _window_case(shape, kh, kw, stride, rng)
        cols = rng.standard_normal((shape[0] * out_h * out_w, kh * kw * shape[3])).astype(dtype)
        call = Call(col2im, name, {"cols": cols, "x_shape": shape, "kh": kh, "kw": kw,
                                   "stride": stride}, shown=("x_shape", "kh", "kw", "stride"))
        x = array(call, "x", returned(call, call(), ("x",)), like=cols)
        expected = reference.col2im(cols.astype(np.float64), shape, kh, kw, stride, stride,
                                    out_h, out_w)
        require_equal(name, f"On {call.text()}", "x", x, expected,
                      lambda: [overlap_mistake(shape, kh, kw, stride, expected)],
                      [f"x has shape x_shape = {shape}"], dtype=dtype)
        worst = max(worst, rel_error(x, expected))
    passed(name, WINDOWS_SUMMARY, worst)


def overlaps(shape, kh, kw, stride, pad=0):
    """True where a pixel of an input of ``shape`` (padded by ``pad`` on every side
    before the windows slide) lies in more than one window."""
    n, h, w, c = shape
    padded = (n, h + 2 * pad, w + 2 * pad, c)
    out_h, out_w = output_size(padded[1], kh, stride), output_size(padded[2], kw, stride)
    ones = np.ones((n * out_h * out_w, kh * kw * c))
    counts = reference.col2im(ones, padded, kh, kw, stride, stride, out_h, out_w)
    return counts[:, pad:pad + h, pad:pad + w, :] > 1


def overlap_mistake(shape, kh, kw, stride, expected, pad=0):
    """Wrong only where windows overlap: a window's share was assigned (=), not added (+=)."""
    several = overlaps(shape, kh, kw, stride, pad)

    def matches(answer):
        wrong = ~np.isclose(answer, expected)
        return answer.shape == expected.shape and wrong.any() and not wrong[~several].any()
    return Mistake("= instead of +=", "only the pixels that lie in several windows are "
                   "wrong: each window must add its share (+=), or the last window to "
                   "write wins (=). Where windows overlap (stride < kernel), a pixel "
                   "receives the sum of the gradients of all its windows.", matches=matches)
