"""The checks of exercise 8: SGD with momentum, and Adam.

    w, v = sgd_momentum(w, dw, v, learning_rate, momentum)
    w, m, v = adam(w, dw, m, v, t, learning_rate, beta1, beta2, epsilon)

Each runs three steps from zero state, fed back its own state, and the steps it
takes (w after minus w before) are compared with those of minicnn's optimizers
(optimizers.py: Keras's forms); then one step in float32, whose results must stay
float32. The state is the student's own business: a velocity kept as PyTorch
keeps it (v = momentum * v + dw, w -= lr * v) moves w the same way, and passes.

Adam has two right forms, and both pass: the paper's (epsilon after sqrt(v_hat))
and Keras's (minicnn's: epsilon after sqrt(v), the bias correction folded into
the step size). They differ where gradients are small, about 1e-3, where epsilon
matters: there the problem has a row of them, which tells the two forms apart,
and either from epsilon inside the square root. ``adam_form`` says which form a
function takes, and ``paper_update`` is minicnn's Adam in the paper's form: the
last notebook trains minicnn's own model with the form the student chose.
"""
import numpy as np

from minicnn.apps.exercises.calling import Call, array, returned
from minicnn.apps.exercises.verdict import (ExerciseFailed, Mistake, difference, failure, hints,
                                            passed)
from minicnn.optimizers import SGD, Adam

STEPS = 3
STEP_RTOL = 1e-4  # a right step is within 1e-15 of minicnn's; the forms differ by 1e-3 here
FORMS = {"keras": "minicnn's Adam's (Keras's form: epsilon after sqrt(v))",
         "paper": "the paper's Adam's (epsilon after sqrt(v_hat))"}


def problem(seed=12, dtype=np.float64):
    """w (3, 4) and three gradients: two rows of magnitude 0.5 to 2, one of 3e-4 to
    3e-3 (where Adam's epsilon matters)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((3, 4))
    size = np.array([[1.0], [1.0], [1.5e-3]])
    grads = [rng.choice([-1, 1], w.shape) * rng.uniform(0.5, 2, w.shape) * size
             for _ in range(STEPS)]
    return w.astype(dtype), [g.astype(dtype) for g in grads]


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
    Every array returned must have w's dtype. Returns the steps (len(grads),
    *w.shape), in float64, and the first step's call (to describe it)."""
    state = {k: np.zeros_like(w) for k in state_names}
    param, steps, first = w.copy(), [], None
    for t, grad in enumerate(grads, start=1):
        values = arguments(param, grad, state, t)
        call = Call(update, name, values,
                    shown=[k for k, v in values.items() if not isinstance(v, np.ndarray)])
        first = first or call
        result = returned(call, call(), ("w",) + tuple(state_names))
        new = array(call, "w", result[0], like=w)
        if new.shape != param.shape:
            raise ExerciseFailed(f"{call.text()} returned w of shape {new.shape}; expected "
                                 f"{param.shape}, the shape of w")
        for k, v in zip(state_names, result[1:]):
            array(call, k, v, like=w)
        state = {k: np.asarray(v) for k, v in zip(state_names, result[1:])}
        steps.append(new - param)
        param = new.astype(w.dtype)
    return np.stack(steps), first


def float32_step(name, update, arguments, state_names):
    """One step in float32: what it returns must be float32 (student_steps says
    so when it is not)."""
    w, grads = problem(dtype=np.float32)
    student_steps(name, update, arguments, state_names, w, grads[:1])


def wrong_steps(answer, expected):
    """The lines that say where ``answer`` first differs from ``expected`` (step by
    step), or None."""
    for t in range(STEPS):
        with np.errstate(all="ignore"):
            lines = difference("w_new - w", answer[t], expected[t], rtol=STEP_RTOL,
                               element=f"(w_new - w)[{{index}}] at step t={t + 1}")
        if lines:
            return lines
    return None


def compare(name, answer, expected, mistakes, first_call):
    """Step by step: the first wrong step says where; the hints look at all three."""
    lines = wrong_steps(answer, expected)
    if lines:
        raise failure(name, f"Over {STEPS} steps from zero state, the first being "
                      f"{first_call.text()}", lines, hints(answer, expected, mistakes))


def check_sgd_momentum(sgd_momentum, name="sgd_momentum"):
    w, grads = problem()
    lr, momentum = 0.1, 0.9
    expected = steps_of(SGD(lr, momentum=momentum), w, grads)

    def arguments(w, dw, state, t):
        return {"w": w, "dw": dw, "v": state["v"], "learning_rate": lr, "momentum": momentum}
    answer, call = student_steps(name, sgd_momentum, arguments, ("v",), w, grads)
    mistakes = [
        Mistake("momentum ignored", "your steps are plain SGD's, -learning_rate * dw: the "
                "velocity is not carried from step to step. Update v = momentum * v - "
                "learning_rate * dw from the v you are given, step w by v, and return both.",
                -lr * np.stack(grads)),
        Mistake("step uphill", "your steps go uphill (the sign is wrong): with v = momentum * "
                "v - learning_rate * dw, the new w is w + v.", -expected)]
    compare(name, answer, expected, mistakes, call)
    float32_step(name, sgd_momentum, arguments, ("v",))
    passed(name, f"{STEPS} steps from zero state, and one in float32",
           extra="Your steps are minicnn's SGD(momentum=0.9)'s")


SETTINGS = {"learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7}


def adam_arguments(w, dw, state, t):
    return {"w": w, "dw": dw, "m": state["m"], "v": state["v"], "t": t, **SETTINGS}


def adam_form(adam, name="adam"):
    """("keras" or "paper", the steps of each form, the student's steps and first
    call) for the student's ``adam``, or (None, ...) when it takes neither form."""
    w, grads = problem()
    lr, b1, b2, eps = SETTINGS.values()
    expected = {"keras": steps_of(Adam(lr, b1, b2, eps), w, grads),
                "paper": steps_of(PaperAdam(lr, b1, b2, eps), w, grads)}
    answer, call = student_steps(name, adam, adam_arguments, ("m", "v"), w, grads)
    form = next((form for form, steps in expected.items()
                 if wrong_steps(answer, steps) is None), None)
    return form, expected, answer, call


def check_adam(adam, name="adam"):
    form, expected, answer, call = adam_form(adam, name)
    if form is None:  # held against the form it is nearer to
        w, grads = problem()
        near = min(expected, key=lambda f: int(np.sum(~np.isclose(answer, expected[f],
                                                                   rtol=STEP_RTOL))))
        compare(name, answer, expected[near], adam_mistakes(w, grads), call)
    float32_step(name, adam, adam_arguments, ("m", "v"))
    passed(name, f"{STEPS} steps from zero state, and one in float32",
           extra=f"Your steps are {FORMS[form]}")
    return form


def adam_steps(w, grads, form="paper", correct=True, square=True, b1=None, b2=None,
               inside=False):
    """The steps of Adam in ``form`` ("paper" or "keras"), or of a mistaken one:
    without the bias correction, of dw rather than dw**2, with other betas, or
    epsilon inside the square root."""
    lr, beta1, beta2, eps = SETTINGS.values()
    b1, b2 = beta1 if b1 is None else b1, beta2 if b2 is None else b2
    m = v = np.zeros_like(w)
    made = []
    with np.errstate(all="ignore"):
        for t, g in enumerate(grads, start=1):
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * (g * g if square else g)
            if form == "keras":  # the correction folded into the step size, v as it is
                size = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) if correct else lr
                m_hat, v_hat = m, v
            else:
                size = lr
                m_hat, v_hat = (m / (1 - b1 ** t), v / (1 - b2 ** t)) if correct else (m, v)
            root = np.sqrt(v_hat + eps) if inside else np.sqrt(v_hat) + eps
            made.append(-size * m_hat / root)
    return np.stack(made)


def paper_update(self, key, param, grad, t):
    """Adam.update in the paper's form: minicnn's own arithmetic, epsilon moved
    after sqrt(v_hat). (minicnn's Adam is Keras's form; the last notebook trains
    minicnn's model with this one when the student's adam takes the paper's.)"""
    m = self._slot(key, "m", param)
    v = self._slot(key, "v", param)
    m = m + (1 - self.beta_1) * (grad - m)
    v = v + (1 - self.beta_2) * (grad * grad - v)
    m_hat, v_hat = m / (1 - self.beta_1 ** t), v / (1 - self.beta_2 ** t)
    new = param - (self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)).astype(
        param.dtype, copy=False)
    return new, {"m": m, "v": v}


def adam_mistakes(w, grads):
    """The common mistakes, each in both forms (a student's may take either)."""
    inside = ("epsilon is inside the square root: sqrt(v_hat + epsilon). It goes after "
              "it, sqrt(v_hat) + epsilon (or, in Keras's form, sqrt(v) + epsilon): where "
              "the gradient is small (1e-3 here) the two differ.")
    uncorrected = ("your first steps are too long (about 3 times here): m and v start at 0, "
                   "so early on they are too small; divide them by (1 - beta1**t) and "
                   "(1 - beta2**t), with t counted from 1.")
    swapped = "m uses beta1 (0.9) and v uses beta2 (0.999)."
    mistakes = []
    for form in ("keras", "paper"):
        mistakes += [
            Mistake("epsilon inside the square root", inside, adam_steps(w, grads, form,
                                                                         inside=True)),
            Mistake("Adam without bias correction", uncorrected,
                    adam_steps(w, grads, form, correct=False)),
            Mistake("beta1 and beta2 swapped", swapped, adam_steps(w, grads, form, b1=SETTINGS[
                "beta2"], b2=SETTINGS["beta1"]))]
    return mistakes + [
        Mistake("t counted from 0", "your first step is not finite: at t = 0 the bias "
                "correction divides by 1 - beta**0 = 0. Count t from 1 (minicnn passes t = "
                "1 on the first step).", matches=lambda a: not np.isfinite(a[0]).any()),
        Mistake("v of the gradient, not of its square", "v averages dw**2 (the squared "
                "gradient), so that sqrt(v) is the gradient's typical size.",
                matches=lambda a: bool(np.array_equal(np.isnan(a[0]), grads[0] < 0))
                and np.isnan(a[0]).any())]


class PaperAdam(Adam):
    """minicnn's Adam with its step in the paper's form (paper_update)."""
    update = paper_update
