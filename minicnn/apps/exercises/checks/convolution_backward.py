"""The check of exercise 3: convolution backward.

    dx, dw, db = conv_backward(dout, cache)    dout (N, H', W', F); cache: what the
                                               student's conv_forward returned

minicnn's textbook ops are the oracle (ops/reference.py); the student's forward
makes the cache, and is differentiated numerically (gradients.py).
"""
import numpy as np

from minicnn.apps.exercises.calling import Call
from minicnn.apps.exercises.checks.convolution import cases, same_pads
from minicnn.apps.exercises.checks.gradients import BackwardCase, compare_gradients
from minicnn.apps.exercises.checks.windows import overlap_mistake
from minicnn.apps.exercises.verdict import Mistake
from minicnn.ops import reference


def check_backward(conv_backward, forward, name="conv_backward"):
    """Exercise 3: dx, dw, db = conv_backward(dout, cache), cache from the student's forward."""
    compare_gradients(name, conv_backward, "conv_forward", backward_cases(forward),
                      "4 cases (stride 1 and 2, padding 0, 1 and 2, float32)")


def backward_cases(forward):
    rng = np.random.default_rng(4)
    made = []
    for case in (cases()[i] for i in (0, 2, 3, 4)):
        pads = same_pads(case.pad)
        out, cache = reference.conv2d_forward(case.x, case.w, case.b, (case.stride,) * 2, pads)
        dout = rng.standard_normal(out.shape).astype(case.x.dtype)
        dx, dw, db = reference.conv2d_backward(dout, cache)
        call = Call(forward, "conv_forward", case.arguments(), shown=("stride", "pad"))
        made.append(BackwardCase(call, dout, out, {"dx": dx, "dw": dw, "db": db},
                                 {"dx": "x", "dw": "w", "db": "b"},
                                 backward_mistakes(case, dout, dx, dw, db)))
    return made


def backward_mistakes(case, dout, dx, dw, db):
    x, w, b, s, p = case.x, case.w, case.b, case.stride, case.pad
    n, h, width, c = x.shape
    kh, kw, _, f = w.shape

    def one_image(i):
        _, cache = reference.conv2d_forward(x[i:i + 1], w, b, (s, s), same_pads(p))
        return reference.conv2d_backward(dout[i:i + 1], cache)

    batch = ("dw is the gradient of one image only: every image of the batch adds its "
             "share, dw = sum over N (and over H', W') of window * dout (cols.T @ dz "
             "does it in one product; in a loop over images, += not =).")
    summed_db = ("db must be summed over the batch and over every output position: "
                 "db = dout.sum(axis=(0, 1, 2)), shape (F,).")
    _, cache = reference.conv2d_forward(x, w, b, (s, s), same_pads(p))
    from_transpose = reference.conv2d_backward(dout, cache._replace(
        w=w.T.reshape(f, -1).T.reshape(w.shape)))[0]
    mistakes = {
        "dx": [overlap_mistake(x.shape, kh, kw, s, dx, p),
               Mistake("w.T reshaped instead of w", "dcols = dz @ W2.T with W2 = "
                       "w.reshape(kh*kw*C, F), the forward's matrix, transposed after the "
                       "reshape; w.T.reshape(F, -1) lists the weights in another order.",
                       from_transpose)],
        "dw": [Mistake("dW not summed over the batch", batch, one_image(0)[1]),
               Mistake("dW not summed over the batch", batch, one_image(n - 1)[1]),
               Mistake("dW averaged over the batch", "dw is the mean over the batch; it "
                       "must be the sum (the loss already divides by N, in its gradient).",
                       dw / n),
               Mistake("dW with a batch axis", "dw has a batch axis: sum the images' "
                       "contributions, dw has the shape of w, (kh, kw, C, F).",
                       matches=lambda a: a.shape == (n,) + w.shape),
               Mistake("dW not reshaped", "dw has the shape of cols.T @ dz, (kh*kw*C, F): "
                       "reshape it to w's shape, (kh, kw, C, F).",
                       matches=lambda a: a.shape == (kh * kw * c, f))],
        "db": [Mistake("db missing", "db is zero: the bias gradient is dout summed over "
                       "N, H' and W', since b[f] is added to every output of filter f.",
                       np.zeros_like(db)),
               Mistake("db not summed over the batch", summed_db, one_image(0)[2]),
               Mistake("db not summed over the batch", summed_db, one_image(n - 1)[2]),
               Mistake("db not summed over the batch", summed_db, dout.sum(axis=(1, 2))),
               Mistake("db not summed over every position", summed_db, dout.sum(axis=0)),
               Mistake("db averaged", "db is a mean; it must be the sum of dout over N, "
                       "H' and W'.", dout.mean(axis=(0, 1, 2)))],
    }
    if p > 0:
        mistakes["dx"] += [
            Mistake("padding not removed", "dx has the shape of the padded input: drop the "
                    "padding, dx_padded[:, pad:pad + H, pad:pad + W, :].",
                    matches=lambda a: a.shape == (n, h + 2 * p, width + 2 * p, c))]
    else:
        mistakes["dx"].append(Mistake(
            "empty slice when pad is 0", "dx is empty: x[:, pad:-pad] keeps nothing when "
            "pad is 0 (-0 is 0). Slice to pad + H instead: "
            "dx[:, pad:pad + H, pad:pad + W, :].",
            matches=lambda a: a.ndim == 4 and 0 in a.shape[1:3]))
    return mistakes
