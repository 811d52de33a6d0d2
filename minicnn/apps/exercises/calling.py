"""Calling a student's function: whatever it raises or returns becomes a message
in the student's terms (which call, what it raised, the line in their code, what
it returned that is not a real array of the inputs' dtype, a call that never
returns), never a traceback from deep inside NumPy or the checker."""
import contextlib
import os
import signal
import sysconfig
import threading
import traceback

import numpy as np

import minicnn
from minicnn.apps.exercises.verdict import ExerciseFailed

# Code that is not the student's: a traceback's last frame outside these is the
# line the student wrote.
NOT_THEIRS = tuple(os.path.dirname(os.path.abspath(module.__file__)) + os.sep
                   for module in (np, minicnn)) + (sysconfig.get_paths()["stdlib"] + os.sep,)


# How long one check may take, in seconds: the checks' cases are small, so a right
# function takes well under a second; this only stops a loop that never ends.
TIME_LIMIT = 20.0
_limit = {"seconds": None}


class OutOfTime(BaseException):
    """The check's time ran out (a BaseException, as KeyboardInterrupt is, so that
    a student's ``except Exception`` does not swallow it)."""


@contextlib.contextmanager
def limited(seconds):
    """Raise OutOfTime in this thread after ``seconds`` (SIGALRM: the main thread
    of a Unix process, as a Jupyter kernel's code runs; elsewhere, no limit)."""
    usable = (seconds is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise OutOfTime()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _limit["seconds"] = seconds
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _limit["seconds"] = None


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
        except OutOfTime:
            raise ExerciseFailed(
                f"{self.text()} did not return within the check's time limit "
                f"({_limit['seconds']:g} s); the check's cases are small, so a right function "
                f"returns in well under a second. Is there a loop that never ends (a `while` "
                f"whose condition never changes), or loops over far more than the outputs?"
                ) from None
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
    where = students_line(error)
    lines += where or ["  (the call itself failed: does the function take these arguments, "
                       "in this order?)"]
    return "\n".join(lines)


def students_line(error):
    """The lines naming the line of the student's code that raised ``error`` (the
    last frame that is theirs), or [] when none of its frames is."""
    frame = student_frame(error)
    if frame is None:
        return []
    place = ("its cell" if os.path.basename(frame.filename).split(".")[0].isdigit()
             else os.path.basename(frame.filename))
    return [f"  in {frame.name}, line {frame.lineno} of {place}:"] + (
        [f"      {frame.line.strip()}"] if frame.line else [])


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


def array(call, name, value, like=None):
    """``value`` (what the student returned as ``name``) as a float64 array of real
    numbers, to compare. ``like``: the input whose dtype it must have (float32 in,
    float32 out: a model keeps its dtype)."""
    if value is None:
        raise ExerciseFailed(f"{call.text()} returned None as {name}: compute it and return it")
    try:
        answer = np.asarray(value)
    except Exception:  # a ragged list and the like
        raise ExerciseFailed(f"{call.text()} returned {name} that is not an array "
                             f"(a {type(value).__name__})") from None
    if np.iscomplexobj(answer):
        raise ExerciseFailed(f"{call.text()} returned {name} of complex dtype ({answer.dtype}): "
                             f"the answer is real numbers, and a complex number came into the "
                             f"arithmetic (a `1j` somewhere?). Casting it to real would hide "
                             f"the mistake, so the check does not.")
    if answer.dtype == object or not (np.issubdtype(answer.dtype, np.number)
                                      or answer.dtype == bool):
        raise ExerciseFailed(f"{call.text()} returned {name} that is not an array of numbers "
                             f"(a {type(value).__name__} of dtype {answer.dtype})")
    if like is not None and answer.dtype != like.dtype:
        raise ExerciseFailed(wrong_dtype(call, name, answer.dtype, like.dtype))
    return answer.astype(np.float64, copy=False)


def wrong_dtype(call, name, got, wanted):
    lines = [f"{call.text()} returned {name} of dtype {got}; its inputs are {wanted}, and so "
             f"must {name} be (a {wanted} model stays {wanted}: minicnn's layers keep their "
             f"dtype)."]
    if np.dtype(got) == np.float64:
        lines += ["Hint (float64 from float32): the usual causes: an array made without a "
                  "dtype (np.zeros(shape) is float64; np.zeros(shape, dtype=x.dtype) is not); "
                  "a boolean mask divided by a number (mask / (1 - rate) is float64; "
                  "x * mask / (1 - rate), or mask.astype(x.dtype), keeps x's dtype); a NumPy "
                  "number in the arithmetic (np.sqrt(1 - beta2**t) is a float64 that turns a "
                  "float32 array float64; (1 - beta2**t) ** 0.5, a Python number, does not)."]
    return "\n".join(lines)


def number(call, name, value):
    """``value`` (what the student returned as ``name``) as one number (a 0-d array)."""
    answer = array(call, name, value)
    if answer.size != 1:
        raise ExerciseFailed(f"{call.text()} returned {name} of shape {answer.shape}; "
                             f"{name} is one number (the mean over the batch)")
    return answer.reshape(())
