"""The checks of exercises 1 and 2: convolution forward, with loops or as im2col +
one matrix product (the same contract, so the same check):

    out, cache = conv_forward(x, w, b, stride, pad)
    x (N, H, W, C), w (kh, kw, C, F) (Keras's layout), b (F,); one stride and one
    padding for both axes, as cs231n's; out (N, H', W', F)

minicnn's textbook op (ops/reference.py) is the oracle, and it also computes what
each common mistake gives: fed a flipped kernel, stride 1, padding on one side...
The last case is in float32: out must keep x's dtype.
"""
import numpy as np

from minicnn.apps.exercises.calling import Call, array, returned
from minicnn.apps.exercises.verdict import Mistake, passed, require_equal
from minicnn.gradcheck import rel_error
from minicnn.ops import reference
from minicnn.ops.windows import output_size

# (x shape, w shape, stride, pad): square and not, overlapping windows and not;
# H != W and kh != kw, so that a swapped axis shows.
SHAPES = [((2, 5, 6, 3), (3, 3, 3, 4), 1, 0),
          ((2, 7, 8, 3), (3, 2, 3, 4), 2, 0),
          ((2, 5, 6, 3), (3, 3, 3, 4), 1, 1),
          ((2, 6, 7, 2), (3, 3, 2, 3), 2, 2)]
SUMMARY = "5 cases (stride 1 and 2, padding 0, 1 and 2, a 3x2 kernel, float32)"


class ConvCase:
    def __init__(self, x, w, b, stride, pad):
        self.x, self.w, self.b, self.stride, self.pad = x, w, b, stride, pad

    def arguments(self):
        return {"x": self.x, "w": self.w, "b": self.b, "stride": self.stride, "pad": self.pad}

    def out_size(self):
        (_, h, w, _), (kh, kw, _, _) = self.x.shape, self.w.shape
        return (output_size(h + 2 * self.pad, kh, self.stride),
                output_size(w + 2 * self.pad, kw, self.stride))

    def formula(self):
        """The output shape, worked out: the formula with this case's numbers."""
        (n, h, w, _), (kh, kw, _, f) = self.x.shape, self.w.shape
        s, p = self.stride, self.pad
        out_h, out_w = self.out_size()
        return [f"H' = (H + 2*pad - kh) // stride + 1 = ({h} + 2*{p} - {kh}) // {s} + 1 "
                f"= {out_h}",
                f"W' = (W + 2*pad - kw) // stride + 1 = ({w} + 2*{p} - {kw}) // {s} + 1 "
                f"= {out_w}",
                f"out: (N, H', W', F) = ({n}, {out_h}, {out_w}, {f})"]


def cases(seed=1, float32=True):
    """The cases in float64, then (``float32``) the second again in float32."""
    rng = np.random.default_rng(seed)
    made = [ConvCase(rng.standard_normal(x), rng.standard_normal(w), rng.standard_normal(w[3]),
                     stride, pad) for x, w, stride, pad in SHAPES]
    if float32:
        c = made[1]
        made.append(ConvCase(*(a.astype(np.float32) for a in (c.x, c.w, c.b)), c.stride, c.pad))
    return made


def conv(x, w, b, stride, pads):
    """minicnn's convolution (the textbook op): pads = (top, bottom, left, right)."""
    return reference.conv2d_forward(x, w, b, (stride, stride), pads)[0]


def same_pads(pad):
    return (pad,) * 4


def check_forward(conv_forward, name="conv_forward"):
    """Exercise 1 (loops) and 2 (im2col): out, cache = conv_forward(x, w, b, stride, pad)."""
    worst = 0.0
    for case in cases():
        call = Call(conv_forward, name, case.arguments(), shown=("stride", "pad"))
        out, _ = returned(call, call(), ("out", "cache"))
        out = array(call, "out", out, like=case.x)
        expected = conv(*(a.astype(np.float64) for a in (case.x, case.w, case.b)), case.stride,
                        same_pads(case.pad))
        require_equal(name, f"On {call.text()}{dtype_note(case.x)}", "out", out, expected,
                      lambda: forward_mistakes(case), case.formula(), dtype=case.x.dtype)
        worst = max(worst, rel_error(out, expected))
    passed(name, SUMMARY, worst)


def dtype_note(x):
    return "" if x.dtype == np.float64 else f" (all of dtype {x.dtype})"


def forward_mistakes(case):
    """What each common mistake makes of this case."""
    x, w, b = (a.astype(np.float64) for a in (case.x, case.w, case.b))
    s, p = case.stride, case.pad
    out_h, out_w = case.out_size()
    kh, kw, c, f = w.shape
    from_transpose = ("the columns of your weight matrix are not the filters: reshape w "
                      "itself, w.reshape(kh*kw*C, F), whose rows list the kernel in (i, j, c) "
                      "order as im2col's rows list a window. w.T.reshape(...) or "
                      "w.reshape(F, -1).T put other weights in each column.")
    mistakes = [
        Mistake("kernel reshaped from w.T", from_transpose,
                conv(x, w.T.reshape(w.shape), b, s, same_pads(p))),
        Mistake("kernel reshaped from w.T", from_transpose,
                conv(x, w.reshape(f, -1).T.reshape(w.shape), b, s, same_pads(p))),
        Mistake("kernel flipped", "your output is the convolution with the kernel turned by "
                "180 degrees (w[::-1, ::-1]): that is true convolution, as in signal "
                "processing. CNNs (Keras, PyTorch, minicnn) compute cross-correlation: "
                "out = sum of x[window] * w, with w as it is.",
                conv(x, w[::-1, ::-1], b, s, same_pads(p))),
        Mistake("bias missing", "your output is the sum of products without the bias: add "
                "b[f] to every output of filter f.",
                matches=lambda answer: _bias_times(answer, case) == 0),
        Mistake("bias added twice", lambda answer: _bias_hint(_bias_times(answer, case)),
                matches=lambda answer: (_bias_times(answer, case) or 0) >= 2),
    ]
    if w.shape[0] == w.shape[1]:
        mistakes.append(Mistake(
            "kernel rows and columns swapped", "your output is the convolution with w's first "
            "two axes swapped: w[i, j] multiplies the pixel i rows down and j columns right "
            "of the window's corner.", conv(x, w.transpose(1, 0, 2, 3), b, s, same_pads(p))))
    if s > 1:
        stride_one = conv(x, w, b, 1, same_pads(p))
        text = ("your output is what stride 1 would give: window (i, j) starts at row "
                "i*stride, column j*stride of the padded input, and there are H' = "
                "(H + 2*pad - kh) // stride + 1 of them.")
        mistakes += [Mistake("stride ignored", text, stride_one),
                     Mistake("stride ignored", text, stride_one[:, :out_h, :out_w])]
    if p > 0:
        mistakes += [
            Mistake("padding ignored", "your output is what pad=0 would give: add `pad` rows "
                    "of zeros at the top and the bottom, and `pad` columns at the left and "
                    "the right, before sliding the window.", conv(x, w, b, s, (0, 0, 0, 0)))]
        one_side = ("your output is what padding on one side only would give: pad both "
                    "sides of each axis, `pad` rows at the top and `pad` at the bottom "
                    "(and likewise columns): ((0, 0), (pad, pad), (pad, pad), (0, 0)).")
        for pads in [(p, 0, p, 0), (0, p, 0, p), (2 * p, 0, 2 * p, 0), (0, 2 * p, 0, 2 * p)]:
            mistakes.append(Mistake("padding on one side only", one_side,
                                    conv(x, w, b, s, pads)))
    return mistakes


def _bias_times(answer, case):
    """k when the answer is the sum of products plus k * b, k a whole number other
    than 1 (0: the bias is missing; 2 or more: it is added in a loop)."""
    without = conv(case.x.astype(np.float64), case.w.astype(np.float64), None, case.stride,
                   same_pads(case.pad))
    if answer.shape != without.shape:
        return None
    times = (answer - without) / case.b
    k = round(float(times.flat[0]))
    return k if k != 1 and np.allclose(times, k, atol=1e-6) else None


def _bias_hint(k):
    return (f"your output is the sum of products plus {k} times the bias: add b[f] once per "
            f"output, after the sum (inside a loop over kernel positions or channels it is "
            f"added once per product).")
