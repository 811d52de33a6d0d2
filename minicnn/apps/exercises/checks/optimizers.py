"""The checks of exercise 8: SGD with momentum, and Adam.

    w, v = sgd_momentum(w, dw, v, learning_rate, momentum)
    w, m, v = adam(w, dw, m, v, t, learning_rate, beta1, beta2, epsilon)

Each runs three steps from zero state, fed back its own state, and the steps it
takes (w after minus w before) are compared with those of minicnn's optimizers
(optimizers.py: Keras's forms). The state is the student's own business: a
velocity kept as PyTorch keeps it (v = momentum * v + dw, w -= lr * v) moves w
the same way, and passes. Adam's epsilon may sit after sqrt(v_hat) (the paper)
or after sqrt(v) (Keras, minicnn): the steps differ by less than STEP_RTOL.
"""
import numpy as np

from minicnn.apps.exercises.calling import Call, array, returned
from minicnn.apps.exercises.verdict import ExerciseFailed, Mistake, difference, failure, hints, passed
from minicnn.optimizers import SGD, Adam

STEPS = 3
STEP_RTOL = 1e-4  # epsilon's place in Adam moves a step by ~1e-5 of itself here


def problem(seed=12):
    """w (3, 4) and three gradients of magnitude 0.5 to 2 (never near 0, where
    Adam's epsilon would matter)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((3, 4))
    grads = [rng.choice([-1, 1], w.shape) * rng.uniform(0.5, 2, w.shape) for _ in range(STEPS)]
    return w, grads


def steps_of(optimizer, w, grads):
    """The steps minicnn's optimizer takes: (STEPS, *w.shape)."""
    param, steps = w.copy(), []
    for grad in grads:
        before = param.copy()
        optimizer.apply_gradients([("w", param, grad)])
        steps.append(param - before)
    return np.stack(steps)


def student_steps(name, update, arguments, state_names, w, grads):
    """The steps the student's update takes, fed back its own state (zeros at
    first). ``arguments(w, dw, state, t)`` gives the arguments of step t, in order.
    Returns the steps (STEPS, *w.shape) and the first step's call (to describe it)."""
    state = {k: np.zeros_like(w) for k in state_names}
    param, steps, first = w.copy(), [], None
    for t, grad in enumerate(grads, start=1):
        values = arguments(param, grad, state, t)
        call = Call(update, name, values,
                    shown=[k for k, v in values.items() if not isinstance(v, np.ndarray)])
        first = first or call
        result = returned(call, call(), ("w",) + tuple(state_names))
        new = array(call, "w", result[0])
        if new.shape != param.shape:
            raise ExerciseFailed(f"{call.text()} returned w of shape {new.shape}; expected "
                                 f"{param.shape}, the shape of w")
        state = {k: array(call, k, v) for k, v in zip(state_names, result[1:])}
        steps.append(new - param)
        param = new
    return np.stack(steps), first


def compare(name, answer, expected, mistakes, first_call, note):
    """Step by step: the first wrong step says where; the hints look at all three."""
    for t in range(STEPS):
        with np.errstate(all="ignore"):
            lines = difference("w_new - w", answer[t], expected[t], rtol=STEP_RTOL,
                               element=f"(w_new - w)[{{index}}] at step t={t + 1}")
        if lines:
            raise failure(name, f"Over {STEPS} steps from zero state, the first being "
                          f"{first_call.text()}", lines, hints(answer, expected, mistakes))
    passed(name, f"{STEPS} steps from zero state", extra=f"Your steps are {note}")


def check_sgd_momentum(sgd_momentum, name="sgd_momentum"):
    w, grads = problem()
    lr, momentum = 0.1, 0.9
    expected = steps_of(SGD(lr, momentum=momentum), w, grads)
    answer, call = student_steps(name, sgd_momentum, lambda w, dw, state, t: {
        "w": w, "dw": dw, "v": state["v"], "learning_rate": lr, "momentum": momentum},
        ("v",), w, grads)
    mistakes = [
        Mistake("momentum ignored", "your steps are plain SGD's, -learning_rate * dw: the "
                "velocity is not carried from step to step. Update v = momentum * v - "
                "learning_rate * dw from the v you are given, step w by v, and return both.",
                -lr * np.stack(grads)),
        Mistake("step uphill", "your steps go uphill (the sign is wrong): with v = momentum * "
                "v - learning_rate * dw, the new w is w + v.", -expected)]
    compare(name, answer, expected, mistakes, call, "minicnn's SGD(momentum=0.9)'s")


def check_adam(adam, name="adam"):
    w, grads = problem()
    settings = {"learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7}
    expected = steps_of(Adam(0.01, 0.9, 0.999, 1e-7), w, grads)
    answer, call = student_steps(name, adam, lambda w, dw, state, t: {
        "w": w, "dw": dw, "m": state["m"], "v": state["v"], "t": t, **settings},
        ("m", "v"), w, grads)
    compare(name, answer, expected, adam_mistakes(w, grads, settings, expected), call,
            "minicnn's Adam's (Keras's form)")


def adam_mistakes(w, grads, settings, expected):
    lr, b1, b2, eps = settings.values()

    def steps(correct=True, square=True, b1=b1, b2=b2):
        m = v = np.zeros_like(w)
        made = []
        for t, g in enumerate(grads, start=1):
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * (g * g if square else g)
            m_hat, v_hat = (m / (1 - b1 ** t), v / (1 - b2 ** t)) if correct else (m, v)
            made.append(-lr * m_hat / (np.sqrt(v_hat) + eps))
        return np.stack(made)
    with np.errstate(all="ignore"):
        return [
            Mistake("Adam without bias correction", "your first steps are too long (about "
                    "3 times here): m and v start at 0, so early on they are too small; divide "
                    "them by (1 - beta1**t) and (1 - beta2**t), with t counted from 1.",
                    steps(correct=False)),
            Mistake("t counted from 0", "your first step is not finite: at t = 0 the bias "
                    "correction divides by 1 - beta**0 = 0. Count t from 1 (minicnn passes t = "
                    "1 on the first step).", matches=lambda a: not np.isfinite(a[0]).any()),
            Mistake("v of the gradient, not of its square", "v averages dw**2 (the squared "
                    "gradient), so that sqrt(v) is the gradient's typical size.",
                    matches=lambda a: bool(np.array_equal(np.isnan(a[0]), grads[0] < 0))
                    and np.isnan(a[0]).any()),
            Mistake("beta1 and beta2 swapped", "m uses beta1 (0.9) and v uses beta2 (0.999).",
                    steps(b1=b2, b2=b1))]
