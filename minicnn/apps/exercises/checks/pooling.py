"""The checks of exercise 4: max-pooling forward and backward.

    out, cache = maxpool_forward(x, pool, stride)    x (N, H, W, C); pool x pool windows
    dx = maxpool_backward(dout, cache)

On ties the first maximum of the window in scan order (row by row, as np.argmax
reads it) receives the gradient, the rule of every rung of minicnn's ops (and of
TensorFlow's). minicnn's reference ops are the oracle; im2col lays out the windows
for the mistakes' answers.
"""
import numpy as np

from minicnn.apps.exercises.calling import Call, array, returned
from minicnn.apps.exercises.checks.windows import overlap_mistake
from minicnn.apps.exercises.checks.gradients import BackwardCase, compare_gradients
from minicnn.apps.exercises.verdict import Mistake, passed, require_equal
from minicnn.gradcheck import rel_error
from minicnn.ops import reference
from minicnn.ops.windows import output_size

# (x shape, pool, stride, values): values all distinct (no ties: the numerical
# check runs there), overlapping windows on odd sizes, ties, and float32.
SHAPES = [((2, 4, 6, 3), 2, 2, "distinct"), ((2, 5, 7, 2), 3, 2, "distinct"),
          ((2, 4, 6, 2), 2, 2, "ties"), ((2, 5, 7, 2), 3, 2, "float32")]
SUMMARY = "4 cases (2x2 windows, overlapping 3x3 windows with stride 2, ties, float32)"
NO_PADS = (0, 0, 0, 0)


class PoolCase:
    def __init__(self, x, pool, stride):
        self.x, self.pool, self.stride = x, pool, stride

    def arguments(self):
        return {"x": self.x, "pool": self.pool, "stride": self.stride}

    def out_size(self):
        _, h, w, _ = self.x.shape
        return output_size(h, self.pool, self.stride), output_size(w, self.pool, self.stride)

    def formula(self):
        n, h, w, c = self.x.shape
        out_h, out_w = self.out_size()
        p, s = self.pool, self.stride
        return [f"H' = (H - pool) // stride + 1 = ({h} - {p}) // {s} + 1 = {out_h}",
                f"W' = (W - pool) // stride + 1 = ({w} - {p}) // {s} + 1 = {out_w}",
                f"out: (N, H', W', C) = ({n}, {out_h}, {out_w}, {c})"]

    def windows(self, x=None):
        """Every window of x: (N, H', W', pool, pool, C)."""
        x = self.x if x is None else x
        out_h, out_w = self.out_size()
        p, s = self.pool, self.stride
        cols = reference.im2col(x, p, p, s, s, out_h, out_w)
        return cols.reshape(len(x), out_h, out_w, p, p, x.shape[3])

    def fold(self, windows):
        """Add each window's values back where the window lies: (N, H, W, C)."""
        p, s = self.pool, self.stride
        out_h, out_w = self.out_size()
        return reference.col2im(windows.reshape(len(windows) * out_h * out_w, -1), self.x.shape,
                                p, p, s, s, out_h, out_w)


def cases(seed=5):
    rng = np.random.default_rng(seed)
    made = []
    for shape, pool, stride, values in SHAPES:
        if values in ("distinct", "float32"):  # 0.01 apart: no ties, none within a numerical step
            x = (rng.permutation(int(np.prod(shape))) - np.prod(shape) / 2).reshape(shape) * 0.01
            x = x.astype(np.float32 if values == "float32" else np.float64)
        else:
            x = rng.integers(0, 3, shape).astype(np.float64)  # 3 values: most windows tie
        made.append(PoolCase(x, pool, stride))
    return made


def pool(x, size, stride):
    return reference.maxpool2d_forward(x, (size, size), (stride, stride), NO_PADS)


def check_forward(maxpool_forward, name="maxpool_forward"):
    worst = 0.0
    for case in cases():
        call = Call(maxpool_forward, name, case.arguments(), shown=("pool", "stride"))
        out, _ = returned(call, call(), ("out", "cache"))
        out = array(call, "out", out, like=case.x)
        expected = pool(case.x, case.pool, case.stride)[0].astype(np.float64)
        require_equal(name, f"On {call.text()}", "out", out, expected,
                      lambda: forward_mistakes(case), case.formula(), dtype=case.x.dtype)
        worst = max(worst, rel_error(out, expected))
    passed(name, SUMMARY, worst)


def forward_mistakes(case):
    n, _, _, c = case.x.shape
    out_h, out_w = case.out_size()
    mistakes = [
        Mistake("average instead of maximum", "your output is the mean of each window; "
                "max-pooling keeps its largest value.", case.windows().mean(axis=(3, 4))),
        Mistake("channels pooled together", "pool each channel on its own: the maximum is "
                "over the window's rows and columns only, so out keeps C channels.",
                matches=lambda a: a.shape in [(n, out_h, out_w), (n, out_h, out_w, 1)])]
    if case.stride != 1:
        text = ("your windows move one pixel at a time: window (i, j) starts at row "
                "i*stride, column j*stride.")
        stride_one = pool(case.x, case.pool, 1)[0]
        mistakes += [Mistake("stride ignored", text, stride_one),
                     Mistake("stride ignored", text, stride_one[:, :out_h, :out_w])]
    if case.stride != case.pool:
        mistakes.append(Mistake("stride taken to be the pool size", "your windows move by "
                                "the pool size; use `stride` (smaller strides overlap).",
                                pool(case.x, case.pool, case.pool)[0]))
    return mistakes


def check_backward(maxpool_backward, forward, name="maxpool_backward"):
    rng = np.random.default_rng(6)
    made = []
    for case in cases():
        out, cache = pool(case.x, case.pool, case.stride)
        dout = rng.standard_normal(out.shape).astype(case.x.dtype)
        dx = reference.maxpool2d_backward(dout, cache)
        call = Call(forward, "maxpool_forward", case.arguments(), shown=("pool", "stride"))
        made.append(BackwardCase(call, dout, out, {"dx": dx}, {"dx": "x"},
                                 {"dx": backward_mistakes(case, dout, dx, call)}))
    compare_gradients(name, maxpool_backward, "maxpool_forward", made, SUMMARY)


def backward_mistakes(case, dout, dx, forward_call):
    windows = case.windows()
    spread = dout[:, :, :, None, None, :]
    is_max = windows == windows.max(axis=(3, 4), keepdims=True)
    first = windows.reshape(windows.shape[:3] + (-1, windows.shape[5]))
    last_offset = first.shape[3] - 1 - np.argmax(first[:, :, :, ::-1], axis=3)
    last = (np.arange(first.shape[3])[None, None, None, :, None] == last_offset[:, :, :, None, :])
    mistakes = [
        Mistake("gradient to every element of the window", "each element of the window got "
                "the window's gradient; only its maximum changed the output, so only the "
                "maximum gets it (the others get 0).", case.fold(np.broadcast_to(
                    spread, windows.shape))),
        Mistake("gradient to every tied maximum", "on a tie, every maximum got the gradient, "
                "so the window passes it on twice. Give it to one maximum: the first in "
                "scan order, where np.argmax of the flattened window points.",
                case.fold(is_max * spread)),
        Mistake("gradient shared among tied maxima", "on a tie the gradient was shared among "
                "the maxima; minicnn (and TensorFlow) give all of it to the first maximum "
                "in scan order, where np.argmax of the flattened window points.",
                case.fold(is_max * spread / is_max.sum(axis=(3, 4), keepdims=True))),
        Mistake("gradient to the last tied maximum", "on a tie the gradient went to the last "
                "maximum; it goes to the first in scan order (row by row), where np.argmax of "
                "the flattened window points (`>=` instead of `>`, or a reversed scan, keeps "
                "the last).", case.fold(last.reshape(windows.shape) * spread),
                blame=lambda: last_tie_blame(forward_call))]
    if case.stride != 1:
        mistakes.append(Mistake("stride ignored", "each window's gradient went to a window "
                                "that moves one pixel at a time: window (i, j) starts at row "
                                "i*stride, column j*stride, and its maximum is there.",
                                stride_one_gradient(case, dout)))
    if case.stride < case.pool:
        mistakes.append(overlap_mistake(case.x.shape, case.pool, case.pool, case.stride, dx))
    return mistakes


def stride_one_gradient(case, dout):
    """dx when window (i, j) is taken at row i, column j (stride ignored)."""
    _, out_h, out_w, _ = dout.shape
    argmax = pool(case.x, case.pool, 1)[1].argmax[:, :out_h, :out_w]
    n, i, j, c = np.indices(argmax.shape)
    dx = np.zeros(case.x.shape)
    np.add.at(dx, (n, i + argmax // case.pool, j + argmax % case.pool, c), dout)
    return dx


def last_tie_blame(forward_call):
    """Where the last tie comes from: maxpool_forward, when its cache does not hold x
    (maxpool_backward can then only follow the places the forward recorded); None
    (maxpool_backward) when the backward picks among x's values itself."""
    _, cache = forward_call()
    if holds(cache, forward_call.arguments["x"]):
        return None
    return ("The mistake is in your maxpool_forward: your maxpool_backward follows the places "
            "it records (its cache does not hold x), and on a tie it records the last maximum. "
            "Its output is right either way (tied values are equal), so its own check cannot "
            "see it; record the first maximum in scan order, as its docstring asks.")


def holds(cache, x, depth=3):
    """Whether ``cache`` (a student's: any nesting of tuples, lists and dicts) holds x."""
    if isinstance(cache, np.ndarray):
        return cache.shape == x.shape and np.array_equal(cache, x)
    if depth and isinstance(cache, dict):
        cache = list(cache.values())
    if depth and isinstance(cache, (tuple, list)):
        return any(holds(item, x, depth - 1) for item in cache)
    return False
