"""The check of exercise 6: softmax cross-entropy and its gradient.

    loss, dlogits = softmax_loss(logits, y)    logits (N, K), y (N,) class indices

loss = mean over the batch of -log softmax(logits)[n, y[n]], and dlogits =
(softmax(logits) - onehot(y)) / N. The oracle is minicnn's SoftmaxCrossEntropy;
the numerical gradient of the student's own loss tells a gradient that is wrong
from one that is the exact gradient of a wrong loss.
"""
import numpy as np

from minicnn.activations import softmax
from minicnn.apps.exercises.calling import Call, array, number, returned
from minicnn.apps.exercises.verdict import (Mistake, difference, failure, hints, passed,
                                            tolerances)
from minicnn.gradcheck import numerical_gradient, rel_error
from minicnn.losses import SoftmaxCrossEntropy

SUMMARY = ("4 cases (small logits, logits near 1000, a true class 2000 below the best, "
           "float32)")


def cases(seed=11):
    rng = np.random.default_rng(seed)
    small = rng.standard_normal((5, 4))
    y_small = rng.integers(0, 4, 5)
    large = 1000 + 3 * rng.standard_normal((3, 4))  # exp(1000) overflows float64
    far = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]])  # p(true) = exp(-2000) = 0.0
    return [(small, y_small, "small"), (large, rng.integers(0, 4, 3), "large"),
            (far, np.array([2, 0]), "far"), (small.astype(np.float32), y_small, "float32")]


def oracle(logits, y):
    loss = SoftmaxCrossEntropy()
    return np.float64(loss.forward(logits, y)), loss.backward().astype(np.float64)


def check_softmax_loss(softmax_loss, name="softmax_loss"):
    worst = 0.0
    for logits, y, kind in cases():
        call = Call(softmax_loss, name, {"logits": logits, "y": y})
        loss, dlogits = returned(call, call(), ("loss", "dlogits"))
        loss, dlogits = number(call, "loss", loss), array(call, "dlogits", dlogits, like=logits)
        expected_loss, expected_grad = oracle(logits.astype(np.float64), y)
        rtol, atol = tolerances(logits.dtype)
        for what, answer, expected, mistakes in [
                ("loss", loss, expected_loss, loss_mistakes(logits, y, kind, expected_loss)),
                ("dlogits", dlogits, expected_grad,
                 grad_mistakes(logits, y, kind, expected_grad))]:
            lines = difference(what, answer, expected,
                               [f"dlogits has the shape of logits: {logits.shape}"],
                               rtol=rtol, atol=atol)
            if lines:
                raise failure(name, f"On {call.text()} ({describe(kind)})", lines,
                              hints(answer, expected, mistakes),
                              consistency(call, logits, dlogits, kind))
        worst = max(worst, rel_error(loss, expected_loss), rel_error(dlogits, expected_grad))
    passed(name, SUMMARY, worst)


def describe(kind):
    return {"small": "small logits", "large": "logits near 1000",
            "far": "the true class 2000 below the best", "float32": "logits of dtype float32"}[kind]


def wrong_axis(logits, y):
    """(loss, dlogits) of the two axis mistakes: softmax taken down the columns
    (axis 0), and each column's maximum subtracted (logits.max(axis=0))."""
    n = len(logits)
    onehot = np.eye(logits.shape[1])[y]
    made = {}
    with np.errstate(all="ignore"):
        for title, p in [("softmax over axis 0", softmax(logits, axis=0)),
                         ("maximum over axis 0", softmax(logits - logits.max(axis=0)))]:
            made[title] = (-np.mean(np.log(p[np.arange(n), y])), (p - onehot) / n)
    return made


AXIS_HINTS = {
    "softmax over axis 0": "your softmax normalises each column (over the batch, axis 0); "
                           "each row is one sample's scores, so sum over the classes: "
                           "axis=1, keepdims=True.",
    "maximum over axis 0": "you subtracted each column's maximum (logits.max(axis=0)); "
                           "subtract each row's own maximum, logits.max(axis=1, "
                           "keepdims=True): a shift by one number per row leaves that row's "
                           "softmax as it is, one per column does not.",
}
OVER_CLASSES = ("your loss is averaged over the N*K entries of the (N, K) array (a mean over "
                "the classes too): average over the N samples only, the sum over a row being "
                "that sample's loss (-log p of its class).")


def loss_mistakes(logits, y, kind, expected):
    n, k = logits.shape
    mistakes = [Mistake("loss not averaged", "your loss is the sum over the batch; it is "
                        "the mean (divide by N), so that the learning rate does not depend "
                        "on the batch size.", expected * n),
                Mistake("averaged over the classes too", OVER_CLASSES, expected / k)]
    if kind == "small":
        mistakes += [Mistake(title, AXIS_HINTS[title], loss)
                     for title, (loss, _) in wrong_axis(logits, y).items()]
    if kind in ("large", "far"):
        # logits near 1000 overflow only without the max subtracted; further apart, a
        # probability that underflows gives inf too (the next hint), and only overflow nan
        overflowed = (lambda a: not np.isfinite(a).all()) if kind == "large" else (
            lambda a: np.isnan(a).any())
        mistakes.append(Mistake(
            "softmax without subtracting the max", "the loss is not finite: exp(1000) "
            "overflows to inf (and inf / inf is nan). Subtract each row's maximum from the "
            "logits first; softmax does not change (the factor exp(-max) cancels) and exp "
            "never overflows.", matches=overflowed))
    if kind == "far":
        mistakes.append(Mistake(
            "log of a probability that underflowed", "the loss is inf: the true class's "
            "probability exp(-2000) rounds to 0, and -log(0) is inf. Compute the log of "
            "the softmax directly: log_probs = shifted - log(sum(exp(shifted))), with "
            "shifted = logits - max; it stays finite (-2000 here).",
            matches=lambda a: np.isinf(a).any()))
    return mistakes


def grad_mistakes(logits, y, kind, expected):
    n, k = logits.shape
    logits = logits.astype(np.float64)
    mistakes = [
        Mistake("averaged over the classes too", OVER_CLASSES, expected / k),
        Mistake("gradient not divided by N", "dlogits is N times too large: the loss is a "
                "mean over the batch, so its gradient is (softmax - onehot) / N.",
                expected * n),
        Mistake("one-hot not subtracted", "dlogits is softmax / N: subtract 1 at each row's "
                "true class, dlogits = (softmax - onehot) / N.", softmax(logits) / n),
        Mistake("gradient of the wrong sign", "dlogits has the wrong sign: it is "
                "(softmax - onehot) / N, positive for the wrong classes.", -expected)]
    if kind == "small":
        mistakes += [Mistake(title, AXIS_HINTS[title], grad)
                     for title, (_, grad) in wrong_axis(logits, y).items()]
    if kind in ("large", "far"):
        mistakes.append(Mistake(
            "softmax without subtracting the max", "dlogits is not finite: exp(1000) "
            "overflows. Subtract each row's maximum before exp.",
            matches=lambda a: not np.isfinite(a).all()))
    return mistakes


def consistency(call, logits, dlogits, kind):
    """Whether the student's dlogits is the gradient of their own loss: tells a wrong
    gradient from the exact gradient of a wrong loss."""
    if kind != "small" or dlogits.shape != logits.shape:
        return []
    logits = logits.copy()
    own = Call(call.function, call.name, {"logits": logits, "y": call.arguments["y"]})

    def loss():
        return float(number(own, "loss", returned(own, own(), ("loss", "dlogits"))[0]))
    error = rel_error(dlogits, numerical_gradient(loss, logits, 1e-5))
    if error <= 1e-6:
        return [f"Your dlogits is the exact gradient of your loss (a numerical gradient check "
                f"agrees to {error:.1e}): if the loss is wrong, fix both together."]
    return [f"Your dlogits is not the gradient of your loss (the numerical gradient of your "
            f"loss differs by {error:.1e})."]
