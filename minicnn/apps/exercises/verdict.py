"""How a check speaks: what is wrong with a student's function, in the student's terms.

A failing check raises ExerciseFailed with a message built from three kinds of
facts: a shape that differs (with the formula of the right one), the first wrong
element (its index, expected and got), and hints, one per common mistake whose
symptom the answer shows. A mistake's symptom is computed, not guessed: each
check works out what the mistaken function would have returned (with minicnn's
own ops fed the mistaken inputs) and compares the student's answer with it.
"""
import numpy as np

# How close a float64 answer must be to minicnn's: rounding differs with the order
# of the sums (loops, im2col), by about 1e-15; a mistake differs by far more.
RTOL, ATOL = 1e-6, 1e-9
# The float32 cases are there for the dtype; their values are held to float32's rounding
# (never more tightly than float64's).
RTOL_FLOAT32, ATOL_FLOAT32 = max(RTOL, 1e-4), max(ATOL, 1e-5)


def tolerances(dtype):
    """(rtol, atol) for answers computed in ``dtype``."""
    return (RTOL, ATOL) if np.dtype(dtype) == np.float64 else (RTOL_FLOAT32, ATOL_FLOAT32)


class ExerciseFailed(AssertionError):
    """A check's verdict. Jupyter shows only the message (IPython asks the error
    for ``_render_traceback_``): where inside the checker it was raised says
    nothing a student needs, and nbgrader still counts the cell as failed."""

    def _render_traceback_(self):
        return ["ExerciseFailed: " + str(self)]


class Mistake:
    """A common mistake: its title, the hint a student reads (a string, or a
    function of the answer), and its symptom. The symptom is either ``output``,
    what the mistaken function returns (shown by an answer equal to it, or of its
    shape when the mistake changes the shape), or ``matches(answer) -> bool``.
    ``blame``: when the mistake may lie in another function than the one checked,
    a function giving the sentence that says where (or None: in the one checked)."""

    def __init__(self, title, hint, output=None, matches=None, blame=None):
        self.title, self.hint, self.matches, self.blame = title, hint, matches, blame
        self.output = None if output is None else np.asarray(output)

    def shown_by(self, answer, expected):
        if self.matches is not None:
            return bool(self.matches(answer))
        if self.output.shape != expected.shape and answer.shape == self.output.shape:
            return True
        return answer.shape == self.output.shape and bool(
            np.allclose(answer, self.output, rtol=RTOL, atol=tolerance(self.output)))

    def __repr__(self):
        return f"Mistake({self.title!r})"


def tolerance(expected, atol=ATOL):
    """Absolute tolerance, scaled to the size of the numbers compared."""
    expected = np.asarray(expected, dtype=np.float64)
    finite = expected[np.isfinite(expected)]
    return atol * max(1.0, float(np.max(np.abs(finite))) if finite.size else 1.0)


def shown(answer, expected, mistakes):
    """The mistakes whose symptom ``answer`` shows, one per title (``expected``: the
    right answer, whose shape tells a shape symptom apart)."""
    seen, found = set(), []
    for mistake in mistakes:
        if mistake.title in seen:
            continue
        with np.errstate(all="ignore"):
            try:
                showing = mistake.shown_by(answer, expected)
            except (ValueError, TypeError, FloatingPointError):  # a symptom that cannot apply
                showing = False
        if showing:
            seen.add(mistake.title)
            found.append(mistake)
    return found


def hints(answer, expected, mistakes):
    """The lines of hint for every mistake whose symptom ``answer`` shows."""
    return hint_lines(answer, shown(answer, expected, mistakes))


def hint_lines(answer, mistakes):
    """"Hint (title): hint" for each of ``mistakes`` (shown by ``answer``)."""
    return [f"Hint ({m.title}): {m.hint(answer) if callable(m.hint) else m.hint}"
            for m in mistakes]


def difference(name, answer, expected, shape_formula=None, rtol=RTOL, element=None, atol=ATOL):
    """None when ``answer`` equals ``expected`` (within rounding); otherwise the
    lines that say how it differs: the shapes with the formula of the right one,
    or the first wrong element with its index, expected and got. ``element``
    names an element, "{index}" standing for its index (default: name[index])."""
    if answer.shape != expected.shape:
        lines = [f"{name} has shape {answer.shape}; expected {expected.shape}"]
        return lines + [f"    {line}" for line in shape_formula or ()]
    wrong = ~np.isclose(answer, expected, rtol=rtol, atol=tolerance(expected, atol),
                        equal_nan=False)
    if not wrong.any():
        return None
    index = tuple(int(i) for i in np.argwhere(wrong)[0])
    where = (element or name + "[{index}]").format(index=", ".join(map(str, index)))
    values = f"expected {expected[index]:.6g}, got {answer[index]:.6g}"
    if answer.size == 1:
        lines = [f"{name}: {values}"]
    else:
        lines = [f"{where} is the first wrong element: {values} ({int(wrong.sum())} of "
                 f"{answer.size} elements are wrong)"]
    if not np.all(np.isfinite(answer)):
        lines.append(f"    {name} holds {_non_finite(answer)}")
    return lines


def _non_finite(values):
    counts = {"nan": int(np.isnan(values).sum()), "inf": int(np.isinf(values).sum())}
    return " and ".join(f"{n} {kind}" for kind, n in counts.items() if n)


def failure(function_name, context, lines, hint_lines=(), advice=()):
    """The ExerciseFailed for ``function_name``: the context (which call, e.g.
    "On conv_forward(x, w, b, stride=2, pad=1) with x of shape ..."), what differs,
    the hints, and any further advice."""
    return ExerciseFailed("\n".join([f"{function_name} is not right yet.", f"{context}:"]
                                    + [f"  {line}" for line in lines]
                                    + list(hint_lines) + list(advice)))


def require_equal(function_name, context, name, answer, expected, mistakes, shape_formula=None,
                  dtype=np.float64):
    """Raise the check's failure (see ``failure``) when ``answer`` differs from
    ``expected``: what differs (``difference``, within the tolerances of ``dtype``,
    the dtype the case computes in) and the hints of the mistakes whose symptom it
    shows. ``mistakes`` is called only then (working them out can be slow)."""
    rtol, atol = tolerances(dtype)
    lines = difference(name, answer, expected, shape_formula, rtol=rtol, atol=atol)
    if lines:
        raise failure(function_name, context, lines, hints(answer, expected, mistakes()))


def passed(function_name, cases, error=None, extra=""):
    """Print the verdict of a check that passed (``error``: the largest relative
    error from minicnn's answer, gradcheck's measure)."""
    text = f"{function_name}: correct on {cases}"
    if error is not None:
        text += f"; largest relative error {error:.1e}"
    print(text + (f". {extra}" if extra else "."))
