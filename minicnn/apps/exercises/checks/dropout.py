"""The checks of exercise 7: inverted dropout.

    out, cache = dropout_forward(x, rate, training, rng)
    dx = dropout_backward(dout, cache)

In training each input is kept where ``rng.random(x.shape, dtype=x.dtype) >= rate``
and the survivors are scaled by 1 / (1 - rate), so that the expected output is x
and nothing changes at test time; at test time dropout is the identity and draws
nothing. Drawn exactly so, the masks are minicnn's Dropout's, and a model trained
with the student's dropout matches minicnn's step for step. The oracle is
minicnn's Dropout layer, given the same generator.
"""
import numpy as np

from minicnn.apps.exercises.calling import Call, Fresh, array, returned
from minicnn.apps.exercises.checks.gradients import BackwardCase, compare_gradients
from minicnn.apps.exercises.verdict import Mistake, failure, passed, require_equal
from minicnn.layers import Dropout

# (x shape, dtype, rate, training, seed)
CASES = [((8, 25), np.float64, 0.3, True, 5), ((4, 6, 6, 2), np.float32, 0.5, True, 6),
         ((8, 25), np.float64, 0.3, False, 7)]
BACKWARD_CASES = [(shape, np.float64, rate, training, seed)
                  for shape, _, rate, training, seed in CASES] + [CASES[1]]
SUMMARY = "3 cases (training in float64 and float32, test time)"


def case_input(shape, dtype, seed):
    return np.random.default_rng(seed + 100).standard_normal(shape).astype(dtype)


def oracle(x, rate, training, seed, dout=None):
    """minicnn's Dropout on x with a generator seeded ``seed``: (out, dx for dout)."""
    layer = Dropout(rate, seed=np.random.default_rng(seed))
    layer.build(x.shape[1:], x.dtype)
    out = layer.forward(x, training)
    return out, (None if dout is None else layer.backward(dout))


def check_forward(dropout_forward, name="dropout_forward"):
    for shape, dtype, rate, training, seed in CASES:
        x = case_input(shape, dtype, seed)
        rng = np.random.default_rng(seed)
        call = Call(dropout_forward, name, {"x": x, "rate": rate, "training": training,
                                            "rng": rng}, shown=("rate", "training"))
        before = rng.bit_generator.state
        out, _ = returned(call, call(), ("out", "cache"))
        out = array(call, "out", out, like=x)
        expected = oracle(x, rate, training, seed)[0].astype(np.float64)
        require_equal(name, f"On {call.text()} (x of dtype {x.dtype})", "out", out, expected,
                      lambda: mistakes(x, rate, training, seed),
                      [f"out has the shape of x: {x.shape}"])
        if not training and rng.bit_generator.state != before:
            raise failure(name, f"On {call.text()}", [
                "the output is right, but it drew random numbers from rng at test time. Draw "
                "nothing there: every number drawn changes the masks of the training steps "
                "that follow."])
    passed(name, SUMMARY)


def mistakes(x, rate, training, seed):
    """What the common mistakes output; the mask drawn as the exercise asks."""
    keep = np.random.default_rng(seed).random(x.shape, dtype=x.dtype) >= rate
    if not training:
        at_test = ("at test time dropout is the identity: return x as it is. Inverted dropout "
                   "scales in training instead, so the expected output is x in both.")
        return [Mistake("scaled at test time", at_test, x * (1 - rate)),
                Mistake("scaled at test time", at_test, x / (1 - rate)),
                Mistake("dropped at test time", at_test, x * keep / (1 - rate)),
                Mistake("dropped at test time", at_test, x * keep)]
    drawn_in_float64 = np.random.default_rng(seed).random(x.shape) >= rate
    made = [
        Mistake("not scaled at training time", "the survivors must be scaled by 1 / (1 - rate): "
                "then the expected output is x, and at test time nothing needs changing.",
                x * keep),
        Mistake("scaled by 1 - rate", "divide the survivors by 1 - rate, don't multiply: "
                "their expected sum must stay the same.", x * keep * (1 - rate)),
        Mistake("rate taken as the keep probability", "you kept the inputs where u < rate; "
                "`rate` is the fraction dropped: keep where rng.random(...) >= rate.",
                x * ~keep / (1 - rate)),
        Mistake("rate taken as the keep probability", "you scaled by 1 / rate; `rate` is the "
                "fraction dropped, so the survivors are scaled by 1 / (1 - rate).",
                x * keep / rate),
        Mistake("one mask for every sample", "every sample of the batch lost the same inputs: "
                "your mask has the shape of one sample, x.shape[1:], and broadcasts over the "
                "batch. Draw one number per element of x: rng.random(x.shape, dtype=x.dtype).",
                x * (np.random.default_rng(seed).random(x.shape[1:], dtype=x.dtype) >= rate)
                / (1 - rate))]
    if x.dtype != np.float64:
        made.append(Mistake("mask drawn in float64", f"draw the numbers in x's dtype: "
                            f"rng.random(x.shape, dtype=x.dtype) >= rate. Drawn in float64 they "
                            f"are other numbers than minicnn's Dropout draws for a {x.dtype} "
                            f"model, and training would not match it.",
                            x * drawn_in_float64 / (1 - rate)))
    return made


def check_backward(dropout_backward, forward, name="dropout_backward"):
    made = []
    for shape, dtype, rate, training, seed in BACKWARD_CASES:
        x = case_input(shape, dtype, seed)  # float64 first: the numerical check runs there
        dout = np.random.default_rng(seed + 200).standard_normal(shape).astype(dtype)
        out, dx = oracle(x, rate, training, seed, dout)
        keep = np.random.default_rng(seed).random(x.shape, dtype=dtype) >= rate
        wrong = [Mistake("gradient not scaled", "dx = dout * mask, with the same mask as the "
                         "forward, scaled by 1 / (1 - rate) too.", dout * keep),
                 Mistake("mask ignored", "dx equals dout: the dropped inputs had no effect on "
                         "the output, so their gradient is 0 (dx = dout * mask).", dout)]
        if not training:
            wrong = [Mistake("dropped at test time", "at test time dropout is the identity, "
                             "and so is its backward: dx = dout.", dout * keep / (1 - rate))]
        # a generator seeded the same at every call, so that each forward draws the same mask
        call = Call(forward, "dropout_forward", {
            "x": x, "rate": rate, "training": training,
            "rng": Fresh(lambda seed=seed: np.random.default_rng(seed), "rng")},
            shown=("rate", "training"))
        made.append(BackwardCase(call, dout, out, {"dx": dx}, {"dx": "x"}, {"dx": wrong}))
    compare_gradients(name, dropout_backward, "dropout_forward", made,
                      "4 cases (training with rates 0.3 and 0.5, test time, float32)")
