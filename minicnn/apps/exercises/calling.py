"""Calling a student's function: whatever it raises or returns becomes a message
in the student's terms (which call, what it raised, the line in their code),
never a traceback from deep inside NumPy or the checker."""
import os
import sysconfig
import traceback

import numpy as np

import minicnn
from minicnn.apps.exercises.verdict import ExerciseFailed

# Code that is not the student's: a traceback's last frame outside these is the
# line the student wrote.
NOT_THEIRS = tuple(os.path.dirname(os.path.abspath(module.__file__)) + os.sep
                   for module in (np, minicnn)) + (sysconfig.get_paths()["stdlib"] + os.sep,)


class Call:
    """One call of a student's function: its name, the arguments by name (passed
    in order) and how to describe them."""

    def __init__(self, function, name, arguments, shown=()):
        self.function, self.name, self.arguments = function, name, dict(arguments)
        self.shown = tuple(shown)  # arguments written out by value (stride=2), not by shape

    def values(self):
        """The arguments to pass, a Fresh one made anew for this call."""
        return [v.make() if isinstance(v, Fresh) else v for v in self.arguments.values()]

    def text(self):
        """e.g. "conv_forward(x, w, b, stride=2, pad=1) with x of shape (2, 7, 8, 3),
        w (3, 2, 3, 4), b (4,)": arrays by their shapes, the rest by their values."""
        names = [f"{k}={self.arguments[k]!r}" if k in self.shown else k for k in self.arguments]
        shapes = [f"{k} {np.shape(v)}" for k, v in self.arguments.items()
                  if k not in self.shown and isinstance(v, np.ndarray)]
        text = f"{self.name}({', '.join(names)})"
        if shapes:
            text += " with " + shapes[0].replace(" ", " of shape ", 1) + "".join(
                f", {s}" for s in shapes[1:])
        return text

    def __call__(self):
        """The function's result; an ExerciseFailed when it raises, or when it changes
        one of its array arguments in place."""
        arrays = {k: v.copy() for k, v in self.arguments.items() if isinstance(v, np.ndarray)}
        try:
            # an overflow shows as inf or nan in the answer, and the check says so there
            with np.errstate(all="ignore"):
                result = self.function(*self.values())
        except NotImplementedError as error:
            raise ExerciseFailed(not_written(self, error)) from None
        except Exception as error:  # the student's code may raise anything: say what and where
            raise ExerciseFailed(raised(self, error)) from None
        for key, before in arrays.items():
            if not np.array_equal(before, self.arguments[key], equal_nan=True):
                raise ExerciseFailed(
                    f"{self.name} changed its argument `{key}` in place (called as "
                    f"{self.text()}).\n"
                    f"Leave the inputs as they are and return new arrays: the caller still needs "
                    f"them (`{key} += ...` or `{key}[...] = ...` writes into the caller's array; "
                    f"`{key} = {key} + ...` makes a new one).")
        return result


class Fresh:
    """An argument made anew for every call (a random generator seeded the same
    way each time, so that repeated calls draw the same numbers)."""

    def __init__(self, make, name):
        self.make, self.name = make, name

    def __repr__(self):
        return self.name


def not_written(call, error):
    """A stub raised NotImplementedError: the function called, or one it calls."""
    last = error.__traceback__
    while last.tb_next is not None:
        last = last.tb_next
    code = last.tb_frame.f_code
    theirs = code is getattr(call.function, "__code__", None)
    stub = call.name if theirs else code.co_name
    called_from = "" if theirs else f" (your {call.name} calls it)"
    return (f"{stub} is not written yet{called_from}: it raised NotImplementedError.\n"
            f"Replace `raise NotImplementedError()` with your code.")


def raised(call, error):
    """What a call raised, and the line of the student's code that raised it."""
    lines = [f"{call.text()} raised {type(error).__name__}: {error}"]
    frame = student_frame(error)
    if frame is None:
        lines.append("  (the call itself failed: does the function take these arguments, "
                     "in this order?)")
    else:
        place = ("its cell" if os.path.basename(frame.filename).split(".")[0].isdigit()
                 else os.path.basename(frame.filename))
        lines.append(f"  in {frame.name}, line {frame.lineno} of {place}:")
        if frame.line:
            lines.append(f"      {frame.line.strip()}")
    return "\n".join(lines)


def student_frame(error):
    """The last frame of the traceback that is the student's code (not NumPy's,
    minicnn's or Python's), or None when the error came before their code ran."""
    frames = traceback.extract_tb(error.__traceback__)
    theirs = [f for f in frames if not os.path.abspath(f.filename).startswith(NOT_THEIRS)]
    return theirs[-1] if theirs else None


def returned(call, result, names):
    """Unpack a result that must be the tuple ``names`` (or, for one name, the value):
    a missing return or a wrong count is said plainly."""
    if len(names) == 1:
        if result is None:
            raise ExerciseFailed(f"{call.text()} returned None: is `return {names[0]}` missing?")
        return result
    wanted = ", ".join(names)
    if result is None:
        raise ExerciseFailed(f"{call.text()} returned None: is `return {wanted}` missing?")
    if not isinstance(result, tuple) or len(result) != len(names):
        got = (f"a tuple of {len(result)}" if isinstance(result, tuple)
               else f"one {type(result).__name__}")
        raise ExerciseFailed(f"{call.text()} returned {got}; it must return {len(names)} "
                             f"things: {wanted}")
    return result


def array(call, name, value, dtype=np.float64):
    """``value`` (what the student returned as ``name``) as an array of numbers."""
    if value is None:
        raise ExerciseFailed(f"{call.text()} returned None as {name}: compute it and return it")
    try:
        answer = np.asarray(value)
    except Exception:  # a ragged list and the like
        raise ExerciseFailed(f"{call.text()} returned {name} that is not an array "
                             f"(a {type(value).__name__})") from None
    if answer.dtype == object or not (np.issubdtype(answer.dtype, np.number)
                                      or answer.dtype == bool):
        raise ExerciseFailed(f"{call.text()} returned {name} that is not an array of numbers "
                             f"(a {type(value).__name__} of dtype {answer.dtype})")
    return answer.astype(dtype, copy=False) if dtype is not None else answer


def number(call, name, value):
    """``value`` (what the student returned as ``name``) as one number (a 0-d array)."""
    answer = array(call, name, value)
    if answer.size != 1:
        raise ExerciseFailed(f"{call.text()} returned {name} of shape {answer.shape}; "
                             f"{name} is one number (the mean over the batch)")
    return answer.reshape(())
