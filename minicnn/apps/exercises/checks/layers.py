"""The checks of exercise 5: ReLU and Dense, forward and backward.

    out, cache = relu_forward(x)          any shape
    dx = relu_backward(dout, cache)
    out, cache = dense_forward(x, w, b)   x (N, D), w (D, F), b (F,)
    dx, dw, db = dense_backward(dout, cache)

The oracles are minicnn's own: activations.py for ReLU, the Dense layer (float64).
"""
import numpy as np

from minicnn import activations
from minicnn.apps.exercises.calling import Call, array, returned
from minicnn.apps.exercises.checks.gradients import BackwardCase, compare_gradients
from minicnn.apps.exercises.verdict import Mistake, passed, require_equal
from minicnn.gradcheck import rel_error
from minicnn.layers import Dense


# -- ReLU ------------------------------------------------------------------------------
def relu_cases(seed=7):
    """Values away from the kink (the numerical check runs on the first), then a
    batch of images holding exact zeros, where ReLU's gradient is 0 by convention,
    then those images in float32."""
    rng = np.random.default_rng(seed)
    away = rng.standard_normal((4, 5))
    away += np.where(away >= 0, 0.05, -0.05)
    with_zeros = rng.standard_normal((2, 3, 4, 2))
    with_zeros[rng.random(with_zeros.shape) < 0.2] = 0.0
    return [away, with_zeros, with_zeros.astype(np.float32)]


RELU_SUMMARY = "3 cases (a matrix, a batch of images with zeros, in float64 and float32)"


def check_relu_forward(relu_forward, name="relu_forward"):
    for x in relu_cases():
        call = Call(relu_forward, name, {"x": x})
        out, _ = returned(call, call(), ("out", "cache"))
        out = array(call, "out", out, like=x)
        expected = activations.forward("relu", x).astype(np.float64)
        require_equal(name, f"On {call.text()}", "out", out, expected, lambda: [
            Mistake("minimum instead of maximum", "ReLU keeps the positive inputs: max(x, 0).",
                    np.minimum(x, 0))], [f"out has the shape of x: {x.shape}"], dtype=x.dtype)
    passed(name, RELU_SUMMARY)


def check_relu_backward(relu_backward, forward, name="relu_backward"):
    rng = np.random.default_rng(8)
    made = []
    for x in relu_cases():
        y = activations.forward("relu", x)
        dout = rng.standard_normal(x.shape).astype(x.dtype)
        dx = activations.relu_backward(dout, y)
        mistakes = [
            Mistake("gradient passed where x < 0", "dx equals dout everywhere: ReLU's output "
                    "does not change where x < 0, so no gradient flows there (dx = dout "
                    "where x > 0, else 0).", dout),
            Mistake("gradient at zero", "where x == 0 you passed the gradient on; ReLU's "
                    "gradient at 0 is taken to be 0 (TensorFlow, PyTorch and minicnn do): "
                    "mask with x > 0, not x >= 0.", dout * (x >= 0)),
            Mistake("multiplied by the output", "dx = dout * relu(x) multiplies by the "
                    "output; the derivative of ReLU is 1 where x > 0 (and 0 elsewhere).",
                    dout * y)]
        call = Call(forward, "relu_forward", {"x": x})
        made.append(BackwardCase(call, dout, y, {"dx": dx}, {"dx": "x"}, {"dx": mistakes}))
    compare_gradients(name, relu_backward, "relu_forward", made, RELU_SUMMARY)


# -- Dense -----------------------------------------------------------------------------
SHAPES = [(4, 5, 3), (3, 7, 2)]  # (N, D, F)
DENSE_SUMMARY = "3 cases (N, D, F) = (4, 5, 3) and (3, 7, 2), the second in float32 too"


def dense_cases(seed=9):
    """The cases in float64, then the second in float32."""
    rng = np.random.default_rng(seed)
    made = [(rng.standard_normal((n, d)), rng.standard_normal((d, f)), rng.standard_normal(f))
            for n, d, f in SHAPES]
    return made + [tuple(a.astype(np.float32) for a in made[1])]


def dense_layer(w, b):
    """minicnn's Dense layer holding w and b, in their dtype: the oracle."""
    layer = Dense(w.shape[1])
    layer.build((w.shape[0],), w.dtype)
    layer.params["W"][...], layer.params["b"][...] = w, b
    return layer


def check_dense_forward(dense_forward, name="dense_forward"):
    worst = 0.0
    for x, w, b in dense_cases():
        call = Call(dense_forward, name, {"x": x, "w": w, "b": b})
        out, _ = returned(call, call(), ("out", "cache"))
        out = array(call, "out", out, like=x)
        expected = dense_layer(w, b).forward(x).astype(np.float64)
        without_bias = x @ w
        require_equal(name, f"On {call.text()}", "out", out, expected, lambda: [
            Mistake("bias missing", "add b to every row: out = x @ w + b.", without_bias),
            Mistake("bias added twice", "you added b twice: out = x @ w + b, once.",
                    without_bias + 2 * b)], [f"out: (N, F) = {expected.shape}"], dtype=x.dtype)
        worst = max(worst, rel_error(out, expected))
    passed(name, DENSE_SUMMARY, worst)


def check_dense_backward(dense_backward, forward, name="dense_backward"):
    rng = np.random.default_rng(10)
    made = []
    for x, w, b in dense_cases():
        layer = dense_layer(w, b)
        out = layer.forward(x)
        dout = rng.standard_normal(out.shape).astype(x.dtype)
        dx = layer.backward_from_pre_activation(dout)
        dw, db = layer.grads["W"], layer.grads["b"]
        call = Call(forward, "dense_forward", {"x": x, "w": w, "b": b})
        made.append(BackwardCase(call, dout, out, {"dx": dx, "dw": dw, "db": db},
                                 {"dx": "x", "dw": "w", "db": "b"},
                                 dense_mistakes(x, w, dout, dx, dw, db)))
    compare_gradients(name, dense_backward, "dense_forward", made, DENSE_SUMMARY)


def dense_mistakes(x, w, dout, dx, dw, db):
    n, (d, f) = len(x), w.shape
    batch = ("dw is the gradient of one sample only: each sample adds its share, "
             "dw = x.T @ dout sums them all (in a loop over samples, += not =).")
    return {
        "dx": [Mistake("dx transposed", "dx = dout @ w.T has the shape of x, (N, D).",
                       matches=lambda a: a.shape == (d, n) and n != d)],
        "dw": [Mistake("dW not summed over the batch", batch, np.outer(x[0], dout[0])),
               Mistake("dW not summed over the batch", batch, np.outer(x[-1], dout[-1])),
               Mistake("dW averaged over the batch", "dw is the mean over the batch; it must "
                       "be the sum, x.T @ dout (the loss already divides by N).", dw / n),
               Mistake("dW with a batch axis", "dw has a batch axis: sum over the samples, "
                       "dw = x.T @ dout, shape (D, F).",
                       matches=lambda a: a.shape == (n, d, f)),
               Mistake("dW transposed", "dw has the shape of w.T: dw = x.T @ dout, not "
                       "dout.T @ x.", matches=lambda a: a.shape == (f, d) and d != f)],
        "db": [Mistake("db missing", "db is zero: b is added to every row, so its gradient "
                       "is dout summed over the batch.", np.zeros_like(db)),
               Mistake("db not summed over the batch", "db = dout.sum(axis=0), shape (F,): "
                       "every row of the batch adds its share.", dout[0]),
               Mistake("db not summed over the batch", "db = dout.sum(axis=0), shape (F,): "
                       "every row of the batch adds its share.",
                       matches=lambda a: a.shape in [(n,), (n, f)]),
               Mistake("db averaged", "db is the mean of dout's rows; it must be their sum.",
                       dout.mean(axis=0))],
    }
