"""use(...): the student's functions in minicnn's place, in the real model.

    with exercises.use(conv_forward=conv_forward, conv_backward=conv_backward):
        model.fit(...)                        # every Conv2D runs the student's code

    plugged = exercises.use(adam=adam)        # or until plugged.undo()

Convolution and max-pooling go in through ``minicnn.ops.plug`` (the public
plug-in point of the ops); the rest by setting a method of minicnn's class
(Dense, Activation, Dropout, SoftmaxCrossEntropy, SGD, Adam, Sequential) while
in use, and putting the original back on undo. Either way it is the whole
process (every model sees the student's functions until undone), and one use
at a time. While in use,
minicnn runs in textbook mode (``set_ops("numpy")`` for the ops not plugged,
fit's plain training step): the numba ops and the two-half step are off.
Each function passes its check before it goes in (``checked=False`` skips that).
"""
import contextlib
import io

from minicnn import ops
from minicnn.apps.exercises import adapters
from minicnn.apps.exercises.checks import check
from minicnn.apps.exercises.verdict import ExerciseFailed
from minicnn.layers import Activation, Dense, Dropout
from minicnn.losses import SoftmaxCrossEntropy
from minicnn.sequential import Sequential
from minicnn.optimizers import SGD, Adam

# The functions that plug in, forwards before backwards (the order their checks run).
PLUGS = ("conv_forward", "conv_backward", "maxpool_forward", "maxpool_backward",
         "relu_forward", "relu_backward", "dense_forward", "dense_backward", "softmax_loss",
         "dropout_forward", "dropout_backward", "sgd_momentum", "adam", "train_step")
OPS_NAME = "exercises"


class Plugged:
    """What one ``use`` changed, and how to change it back (``undo``, or the end
    of a ``with`` block)."""

    def __init__(self, names):
        self.names, self.undo_steps = names, []

    def undo(self):
        while self.undo_steps:
            self.undo_steps.pop()()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.undo()

    def __repr__(self):
        state = "in use" if self.undo_steps else "undone"
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
    if ops.get_ops() == OPS_NAME:
        raise RuntimeError("use: functions of yours are plugged in already; undo that use "
                           "first, or give them all to one use")
    names = [name for name in PLUGS if name in functions]
    if checked:
        check_all(functions, names)
    plugged = Plugged(names)
    try:
        plug_ops(functions, plugged)
        for owner, methods in method_substitutes(functions).items():
            for method, function in methods.items():
                substitute(owner, method, function, plugged)
    except BaseException:
        plugged.undo()
        raise
    return plugged


def check_all(functions, names):
    """Each function's check, quietly; the first failure stops the plug-in."""
    for name in names:
        partner = {"forward": functions[name.replace("backward", "forward")]} \
            if name.endswith("backward") else {}
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                check(name, functions[name], **partner)
        except ExerciseFailed as failed:
            raise ExerciseFailed(f"use: your {name} does not pass its check yet, so nothing "
                                 f"was plugged in.\n{failed}") from None
    if names:
        passes = "passes its check" if len(names) == 1 else "pass their checks"
        print(f"use: {', '.join(names)} {passes}; minicnn runs yours now.")


def plug_ops(functions, plugged):
    """The convolution and pooling ops, through minicnn.ops.plug. Always plugged
    (the ops not given are the textbook's), so that fit takes its plain step."""
    previous = ops.get_ops()
    activation = adapters.Activation(functions.get("relu_forward"), functions.get("relu_backward"))
    given = {}
    if functions.keys() & {"conv_forward", "relu_forward"}:
        linear = ((functions["conv_forward"], functions.get("conv_backward"))
                  if "conv_forward" in functions else adapters.textbook_conv())
        given.update(adapters.conv_ops(*linear, activation))
    if "maxpool_forward" in functions:
        given.update(adapters.pool_ops(functions["maxpool_forward"],
                                       functions.get("maxpool_backward")))
    ops.plug(OPS_NAME, given)
    plugged.undo_steps.append(lambda: ops.set_ops(previous))


def method_substitutes(functions):
    """{class: {method name: the adapter}} for the functions given."""
    get = functions.get
    activation = adapters.Activation(get("relu_forward"), get("relu_backward"))
    made = {}
    if "dense_forward" in functions:
        made[Dense] = adapters.dense_methods(get("dense_forward"), get("dense_backward"),
                                             activation)
    if "relu_forward" in functions:
        made[Activation] = adapters.activation_methods(activation)
    if "dropout_forward" in functions:
        made[Dropout] = adapters.dropout_methods(get("dropout_forward"), get("dropout_backward"))
    if "softmax_loss" in functions:
        made[SoftmaxCrossEntropy] = adapters.loss_methods(get("softmax_loss"))
    if "sgd_momentum" in functions:
        made[SGD] = {"update": adapters.sgd_update(get("sgd_momentum"))}
    if "adam" in functions:
        made[Adam] = {"update": adapters.adam_update(get("adam"))}
    if "train_step" in functions:
        made[Sequential] = {"train_step": adapters.train_step_method(get("train_step"))}
    return made


def substitute(owner, name, function, plugged):
    """Set ``owner.name`` to ``function``, and remember how to put back what was there."""
    had, old = name in vars(owner), vars(owner).get(name)
    setattr(owner, name, function)
    plugged.undo_steps.append(lambda: setattr(owner, name, old) if had else delattr(owner, name))
