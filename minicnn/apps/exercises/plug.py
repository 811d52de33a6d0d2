"""use(...): the student's functions in minicnn's place, in the real model.

    with exercises.use(conv_forward=conv_forward, conv_backward=conv_backward):
        model.fit(...)                        # every Conv2D runs the student's code

    plugged = exercises.use(adam=adam)        # or until plugged.undo()

Convolution and max-pooling go in through ``minicnn.ops.plug`` (the public
plug-in point of the ops); ReLU in place of activations.forward/backward, which
every layer applying an activation calls (Conv2D(activation="relu"),
Dense(activation="relu"), ReLU()); the backward walk in place of the tape's
(tape/recording.py's backward_pass: every GradientTape.gradient, and the backward
of every layer written with ``call``); the rest by setting a method of minicnn's
class (Dense, Dropout, SoftmaxCrossEntropy, SGD, Adam, Sequential) while in use. Either
way it is the whole process (every model sees the student's functions until
undone), and one use at a time. registry.py records all of it: ``undo()``, the
end of the ``with`` block, or ``minicnn.set_ops(...)`` puts minicnn's own
functions back, in any order. While in use, minicnn runs in textbook mode
(the ops not plugged are ``ops/reference.py``'s, fit takes its plain training
step): the numba ops and the two-half step are off.
Each function passes its check before it goes in (``checked=False`` skips that).
"""
import contextlib
import io

from minicnn.apps.exercises import adapters, registry
from minicnn.apps.exercises.checks import CHECKS, check
from minicnn.apps.exercises.verdict import ExerciseFailed
from minicnn import activations
from minicnn.layers import Dense, Dropout
from minicnn.losses import SoftmaxCrossEntropy
from minicnn.sequential import Sequential
from minicnn.optimizers import SGD, Adam
from minicnn.tape import recording

# The functions that plug in, forwards before backwards (the order their checks run).
PLUGS = ("conv_forward", "conv_backward", "maxpool_forward", "maxpool_backward",
         "relu_forward", "relu_backward", "dense_forward", "dense_backward", "softmax_loss",
         "dropout_forward", "dropout_backward", "sgd_momentum", "adam", "train_step",
         "backward_walk")
OPS_NAME = registry.OPS_NAME


class Plugged:
    """What one ``use`` put in place; ``undo()`` (or the end of a ``with`` block)
    puts minicnn's own back. Undoing twice, or after set_ops did, changes nothing."""

    def __init__(self, names, token):
        self.names, self.token = names, token

    def undo(self):
        registry.end(self.token)

    def in_use(self):
        return registry.is_current(self.token)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.undo()

    def __repr__(self):
        state = "in use" if self.in_use() else "undone"
        return f"<exercises.use: yours are {', '.join(self.names) or 'none'} ({state})>"


def use(checked=True, **functions):
    """Run the given functions of the exercises in minicnn's place (names as in
    PLUGS, e.g. ``use(conv_forward=f, conv_backward=g)``) until undone. A backward
    needs its forward (it reads the cache the forward makes); a forward alone is
    enough to predict. Returns a Plugged: call ``undo()`` or use it in ``with``."""
    unknown = sorted(set(functions) - set(PLUGS))
    if unknown:
        raise ValueError(f"use: {', '.join(unknown)} cannot be plugged in; these can: "
                         f"{', '.join(PLUGS)}")
    for name in functions:
        forward = name.replace("backward", "forward")
        if name.endswith("backward") and forward not in functions:
            raise ValueError(f"use: {name} needs {forward} too (it reads the cache "
                             f"{forward} returns)")
    if registry.in_use():
        raise RuntimeError(f"use: {registry.in_use()} in minicnn's place already; undo that "
                           f"use first, or give them all to one use")
    names = [name for name in PLUGS if name in functions]
    if checked:
        check_all(functions, names)
    token = registry.begin("your " + (", ".join(names) or "nothing"))
    try:
        registry.plug_ops(op_substitutes(functions))
        for (owner, attribute), function in substitutes(functions).items():
            registry.replace(owner, attribute, function)
    except BaseException:
        registry.end(token)
        raise
    return Plugged(names, token)


def shown_name(name, function):
    """The name a student knows ``function`` by: its own when it is another exercise's
    function with the same check (conv_forward_loops given as conv_forward)."""
    own = getattr(function, "__name__", name)
    return own if own in CHECKS and CHECKS[own][0] is CHECKS[name][0] else name


def check_all(functions, names):
    """Each function's check, quietly; the first failure stops the plug-in."""
    for name in names:
        shown = shown_name(name, functions[name])
        partner = {"forward": functions[name.replace("backward", "forward")]} \
            if name.endswith("backward") else {}
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                check(shown, functions[name], **partner)
        except ExerciseFailed as failed:
            raise ExerciseFailed(f"use: your {shown} does not pass its check yet, so nothing "
                                 f"was plugged in.\n{failed}") from None
    if names:
        passes = "passes its check" if len(names) == 1 else "pass their checks"
        print(f"use: {', '.join(names)} {passes}; minicnn runs yours now.")


def op_substitutes(functions):
    """{op name: the adapter} for the convolution and max-pooling given."""
    given = {}
    if "conv_forward" in functions:
        given.update(adapters.conv_ops(functions["conv_forward"], functions.get("conv_backward")))
    if "maxpool_forward" in functions:
        given.update(adapters.pool_ops(functions["maxpool_forward"],
                                       functions.get("maxpool_backward")))
    return given


def substitutes(functions):
    """{(owner, attribute): the adapter} for the other functions given."""
    get = functions.get
    made = {}
    if "relu_forward" in functions:
        own = registry.OWN
        made[activations, "forward"], made[activations, "backward"] = \
            adapters.activation_functions(get("relu_forward"), get("relu_backward"),
                                          own[activations, "forward"],
                                          own[activations, "backward"])
    if "dense_forward" in functions:
        for method, function in adapters.dense_methods(get("dense_forward"),
                                                       get("dense_backward")).items():
            made[Dense, method] = function
    if "dropout_forward" in functions:
        for method, function in adapters.dropout_methods(get("dropout_forward"),
                                                         get("dropout_backward")).items():
            made[Dropout, method] = function
    if "softmax_loss" in functions:
        for method, function in adapters.loss_methods(get("softmax_loss")).items():
            made[SoftmaxCrossEntropy, method] = function
    if "sgd_momentum" in functions:
        made[SGD, "update"] = adapters.sgd_update(get("sgd_momentum"))
    if "adam" in functions:
        made[Adam, "update"] = adapters.adam_update(get("adam"))
    if "train_step" in functions:
        made[Sequential, "train_step"] = adapters.train_step_method(get("train_step"))
    if "backward_walk" in functions:
        made[recording, "backward_pass"] = adapters.backward_pass(get("backward_walk"))
    return made
