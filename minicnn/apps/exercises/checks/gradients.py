"""What every backward check does: compare the student's gradients with minicnn's,
and run a numerical gradient check of their backward against their *own* forward,
so that a pair that is consistent but wrong (the backward is the true gradient of
a wrong forward) is told apart from a wrong backward."""
import numpy as np

from minicnn.apps.exercises.calling import Call, array, returned
from minicnn.apps.exercises.verdict import (ExerciseFailed, difference, failure, hint_lines,
                                            passed, shown)
from minicnn.gradcheck import numerical_gradient, rel_error

# A correct backward agrees with centred differences of its forward to about 1e-9
# in float64 (minicnn.gradcheck); a wrong one misses by far more than this.
CONSISTENT = 1e-6
STEP = 1e-5


class BackwardCase:
    """One case of a backward check.

    forward: the Call of the student's forward on this case's inputs;
    dout: the upstream gradient; expected_out: minicnn's forward output;
    expected: {gradient name: minicnn's gradient}; inputs: {gradient name:
    the forward's argument it is the gradient of}; mistakes: {gradient name:
    [Mistake]} recognisable in that gradient. A case in float32 checks only that
    the gradients keep dout's dtype (their values are checked in float64).
    """

    def __init__(self, forward, dout, expected_out, expected, inputs, mistakes):
        self.forward, self.dout, self.expected_out = forward, dout, expected_out
        self.expected, self.inputs, self.mistakes = expected, inputs, mistakes
        self.dtype_only = dout.dtype != np.float64


def compare_gradients(name, backward, forward_name, cases, summary):
    """Check ``backward`` on every case (raising ExerciseFailed at the first wrong
    gradient), then print the verdict with the numerical check of the first case."""
    worst = 0.0
    for case in cases:
        answers, out = gradients_of(name, backward, forward_name, case)
        if case.dtype_only:
            continue
        wrong = {g: difference(g, answers[g], case.expected[g], [
            f"{g} has the shape of {case.inputs[g]}: {case.expected[g].shape}"])
            for g in case.expected}
        if any(wrong.values()):
            raise diagnosis(name, forward_name, case, answers, out, wrong)
        worst = max([worst] + [rel_error(answers[g], case.expected[g]) for g in case.expected])
    answers, out = gradients_of(name, backward, forward_name, cases[0])
    own = consistency(cases[0], answers)
    note = (f"The numerical gradient of your {forward_name} agrees with it (largest relative "
            f"error {own:.1e})." if own <= CONSISTENT else
            f"But the numerical gradient of your {forward_name} does not agree with it (relative "
            f"error {own:.1e}): your {forward_name} is not right; its check says where.")
    passed(name, summary, worst, note)


def gradients_of(name, backward, forward_name, case):
    """({gradient name: the student's gradient}, their forward's output) on a case."""
    try:
        out, cache = returned(case.forward, case.forward(), ("out", "cache"))
    except ExerciseFailed as error:
        raise ExerciseFailed(f"{name} is checked with the cache of your {forward_name}, "
                             f"and {forward_name} failed:\n{error}") from None
    out = array(case.forward, "out", out)
    call = Call(backward, name, {"dout": case.dout, "cache": cache})
    names = tuple(case.expected)
    result = returned(call, call(), names)
    values = (result,) if len(names) == 1 else result
    return {g: array(call, g, v, like=case.dout) for g, v in zip(names, values)}, out


def numerical(case, wanted):
    """The numerical gradients of sum(forward(...) * dout), forward being the
    student's, with respect to the inputs of the gradients ``wanted``."""
    def loss():
        out, _ = returned(case.forward, case.forward(), ("out", "cache"))
        return float(np.sum(array(case.forward, "out", out) * case.dout))
    return {g: numerical_gradient(loss, case.forward.arguments[case.inputs[g]], STEP)
            for g in wanted}


def consistency(case, answers):
    """The largest relative error between the student's gradients and the numerical
    gradients of their own forward (inf when their shapes cannot match)."""
    shapes_fit = all(answers[g].shape == case.forward.arguments[case.inputs[g]].shape
                     for g in answers)
    out, _ = returned(case.forward, case.forward(), ("out", "cache"))
    if not shapes_fit or np.shape(out) != case.dout.shape:
        return float("inf")
    numeric = numerical(case, answers)
    return max(rel_error(answers[g], numeric[g]) for g in answers)


def diagnosis(name, forward_name, case, answers, out, wrong):
    """The ExerciseFailed for a wrong gradient: which one and where, the hints for
    it, and whether the forward or the backward is to blame."""
    first = next(g for g, lines in wrong.items() if lines)
    lines = list(wrong[first])
    others = [g for g in wrong if g != first]
    if others:
        lines.append("; ".join(f"{g} is {'wrong too' if wrong[g] else 'right'}" for g in others))
    forward_wrong = difference("out", out, case.expected_out)
    showing = shown(answers[first], case.expected[first], case.mistakes.get(first, ()))
    # a mistake that says where it lies (e.g. in the forward's cache) decides the blame
    elsewhere = [m.blame() for m in showing if m.blame is not None]
    elsewhere = [sentence for sentence in elsewhere if sentence]
    own = None if elsewhere else consistency(case, answers)
    if elsewhere:
        blame = elsewhere[0]
    elif forward_wrong and own <= CONSISTENT:
        blame = (f"Your {name} is the exact gradient of your {forward_name} (a numerical "
                 f"gradient check agrees to {own:.1e}), but {forward_name} itself is wrong "
                 f"({forward_wrong[0]}): fix it first (its check says how), then come back.")
    elif forward_wrong:
        blame = (f"Your {forward_name} is wrong too ({forward_wrong[0]}), and {name} is not its "
                 f"gradient either: fix {forward_name} first (its check says how).")
    else:
        blame = (f"Your {forward_name} is right, and the numerical gradient of it agrees with "
                 f"minicnn's {first}, not with yours: the mistake is in {name}.")
    return failure(name, f"On {name}(dout, cache) after {case.forward.text()}", lines,
                   hint_lines(answers[first], showing), [blame])
