"""check(name, function): the checks that teach, one per function of the exercises.

A check runs the student's function on a few small cases chosen to show the
common mistakes (H != W, stride 2, padding, overlapping windows, ties, large
logits, float32, a tensor read twice) and compares it with minicnn's own answer. It prints a line
when the function is right, and raises ExerciseFailed (see verdict.py) saying
what is wrong when it is not. A backward's check needs the student's forward
too (``forward=``): the backward reads the cache that forward returns, and the
check differentiates that forward numerically. Each check has a time limit
(calling.TIME_LIMIT seconds; ``time_limit=`` another), and runs only while minicnn's
own code, which it compares with, is in place (registry.refusal).
"""
from minicnn.apps.exercises import registry
from minicnn.apps.exercises.calling import TIME_LIMIT, OutOfTime, limited
from minicnn.apps.exercises.checks import (convolution, convolution_backward, dropout, layers,
                                           loss, optimizers, pooling, tape, train_loop,
                                           train_step, windows)
from minicnn.apps.exercises.verdict import ExerciseFailed

# name: (the check, whether it takes the student's forward too), in the exercises' order
CHECKS = {
    "conv_forward_loops": (convolution.check_forward, False),           # 1
    "im2col": (windows.check_im2col, False),                            # 2
    "conv_forward": (convolution.check_forward, False),                 # 2
    "col2im": (windows.check_col2im, False),                            # 3
    "conv_backward": (convolution_backward.check_backward, True),       # 3
    "maxpool_forward": (pooling.check_forward, False),                  # 4
    "maxpool_backward": (pooling.check_backward, True),                 # 4
    "relu_forward": (layers.check_relu_forward, False),                 # 5
    "relu_backward": (layers.check_relu_backward, True),                # 5
    "dense_forward": (layers.check_dense_forward, False),               # 5
    "dense_backward": (layers.check_dense_backward, True),              # 5
    "softmax_loss": (loss.check_softmax_loss, False),                   # 6
    "dropout_forward": (dropout.check_forward, False),                  # 7
    "dropout_backward": (dropout.check_backward, True),                 # 7
    "sgd_momentum": (optimizers.check_sgd_momentum, False),             # 8
    "adam": (optimizers.check_adam, False),                             # 8
    "train_step": (train_step.check_train_step, False),                 # 9
    "train": (train_loop.check_train, False),                           # 9
    "backward_walk": (tape.check_backward_walk, False),                 # 10
}


def check(name, function, forward=None, time_limit=TIME_LIMIT):
    """Check the student's ``function`` for exercise function ``name`` (e.g.
    "conv_forward"); backward functions also take ``forward=`` the student's
    forward. Prints the verdict when right; raises ExerciseFailed when not (also
    when it takes longer than ``time_limit`` seconds)."""
    if name not in CHECKS:
        raise ValueError(f"check: no exercise function {name!r}; the checks are "
                         f"{', '.join(CHECKS)}")
    refused = registry.refusal(name)
    if refused:
        raise RuntimeError(refused)
    run, needs_forward = CHECKS[name]
    if not callable(function):
        raise TypeError(f"check({name!r}, ...): expected your function, got "
                        f"{type(function).__name__}")
    arguments = {}
    if needs_forward:
        forward_name = name.replace("backward", "forward")
        if forward is None:
            raise TypeError(f"check({name!r}, ...) needs forward=your {forward_name} too: "
                            f"{name} reads the cache {forward_name} returns")
        if not callable(forward):
            raise TypeError(f"check({name!r}, ...): expected your {forward_name} as forward=, "
                            f"got {type(forward).__name__}")
        arguments["forward"] = forward
    elif forward is not None:
        raise TypeError(f"check({name!r}, ...) takes no forward")
    try:
        with limited(time_limit):
            return run(function, name=name, **arguments)
    except OutOfTime:  # in the check's own computation, between calls of the student's code
        raise ExerciseFailed(f"The check of {name} ran out of its time limit ({time_limit:g} s) "
                             f"between calls of your code: your functions are slow on its "
                             f"small cases. Is a loop running far more often than needed?"
                             ) from None
