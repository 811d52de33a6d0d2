"""What only the grading runs (nbgrader's hidden tests, in the graded cells of the
teacher's version): that a graded function is the student's own work.

    own_work("conv_forward", conv_forward)

A check compares numbers, so a function that hands the work to minicnn's own code
(reference.conv2d_forward, activations.softmax, model.train_step) passes it. The
grading refuses the plain ways of doing so: a name in the function's code, or in
the code of a function of the student's that it calls, standing for minicnn's code
(a module of minicnn's, or a function or class defined in one); and, in the
training step and loop, a call of the model's own method that does the whole job.
It cannot see code reached another way (getattr with a string, exec, importlib,
a module of the student's own): the README says so.
"""
import dis
import types

from minicnn.apps.exercises.verdict import ExerciseFailed

# Methods of minicnn's model that do the whole of an exercise.
WHOLE_JOB = {"train_step": {"train_step", "compute_gradients", "train_on_batch", "fit",
                            "backward_loss"},
             "train": {"fit", "train_on_batch"}}


def own_work(name, function):
    """Raise ExerciseFailed when ``function`` (the student's ``name``) reaches
    minicnn's code by name, or calls a method of the model that does the whole job."""
    found = minicnns_code(function, WHOLE_JOB.get(name, set()))
    if found:
        raise ExerciseFailed(
            f"{name} uses minicnn's own code ({found}): the exercise is to write it yourself, "
            f"with NumPy. Its check compares numbers only, so it passed; graded, it scores no "
            f"points.")
    print(f"{name}: your own work (it calls none of minicnn's code by name).")


def minicnns_code(function, whole_job, seen=None):
    """A sentence naming the first use of minicnn's code in ``function`` or in the
    student's functions it calls, or None."""
    seen = set() if seen is None else seen
    if function in seen or not isinstance(function, types.FunctionType):
        return None
    seen.add(function)
    closure = dict(zip(function.__code__.co_freevars,
                       (cell.cell_contents for cell in function.__closure__ or ())))
    for names, value in closure.items():  # names from an enclosing function
        found = named(function, names, value, whole_job, seen)
        if found:
            return found
    for code in codes(function.__code__):
        for instruction in dis.get_instructions(code):
            names = instruction.argval
            if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                found = named(function, names, function.__globals__.get(names), whole_job, seen)
                if found:
                    return found
            elif instruction.opname in ("LOAD_ATTR", "LOAD_METHOD") and names in whole_job:
                return (f"{function.__name__} calls the model's .{names}(...), which does the "
                        f"whole step")
    return None


def named(function, name, value, whole_job, seen):
    """The sentence for ``name`` (bound to ``value``) in ``function``, when it is
    minicnn's code or a function of the student's that uses it; else None."""
    if minicnns(value):
        return f"`{name}` in {function.__name__} is {described(value)}"
    return minicnns_code(value, whole_job, seen) if _students(value) else None


def codes(code):
    """``code`` and the code of every function, lambda and comprehension inside it."""
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from codes(constant)


def minicnns(value):
    """Whether ``value`` is minicnn's code: one of its modules, or a function, class
    or method defined in one."""
    if isinstance(value, types.ModuleType):
        return value.__name__.split(".")[0] == "minicnn"
    module = getattr(value, "__module__", None) if callable(value) else None
    return isinstance(module, str) and module.split(".")[0] == "minicnn"


def described(value):
    if isinstance(value, types.ModuleType):
        return f"minicnn's module {value.__name__}"
    return f"minicnn's {value.__module__}.{getattr(value, '__qualname__', value)}"


def _students(value):
    """A function the student wrote: defined in a notebook (or read by answers())."""
    return isinstance(value, types.FunctionType) and value.__module__ in ("__main__", "answers")
