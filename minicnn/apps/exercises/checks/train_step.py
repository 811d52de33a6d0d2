"""The check of exercise 9's training step.

    loss, out = train_step(model, x, y)       forward, loss, backward, update

held against minicnn's own ``Sequential.train_step`` on an identical small model
(same weights, same Dropout masks): same loss, same output, same weights after
each of two steps. The common mistakes are steps of their own on more copies.
"""
import contextlib

import numpy as np

from minicnn import Sequential, ops
from minicnn.apps.exercises.calling import Call, array, number, returned
from minicnn.apps.exercises.verdict import Mistake, difference, failure, hints, passed
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from minicnn.losses import SoftmaxCrossEntropy
from minicnn.optimizers import SGD


def small_model():
    """A small CNN with every kind of layer the X-ray model has, in float64; built
    the same way each time (fixed seeds: same weights, same Dropout masks)."""
    model = Sequential([Conv2D(3, 3, activation="relu", seed=1), MaxPool2D(2),
                        Dropout(0.3, seed=2), Flatten(), Dense(3, activation="softmax", seed=3)])
    model.build((6, 6, 2), np.float64)
    model.compile(SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy", metrics=[])
    return model


def batch(seed=13):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((6, 6, 6, 2)), rng.integers(0, 3, 6)


def weights(model):
    return np.concatenate([param.ravel() for _, param, _ in model.parameters()])


def dropout_off_step(model, x, y):
    loss, out = model.compute_gradients(x, y, training=False)
    model.apply_gradients(loss)
    return loss, out


def softmax_twice_step(model, x, y):
    """A step that hands the loss's gradient (dL/dlogits) to the last layer's
    backward, which applies the softmax's Jacobian once more."""
    out = model.forward(x, training=True)
    loss = model.loss_value(out, y)
    grad = model.layers[-1].backward(model.loss.backward())
    for layer in reversed(model.layers[:-1]):
        grad = layer.backward(grad)
    model.apply_gradients(loss)
    return loss, out


def no_update_step(model, x, y):
    out = model.forward(x, training=True)
    return model.loss_value(out, y), out


def accumulating_step(model, x, y):
    """A step whose update uses the sum of this step's gradients and every earlier
    step's (as when gradients are added into a store that is never reset)."""
    loss, out = model.compute_gradients(x, y)
    total = model.__dict__.setdefault("exercise_gradient_sums", {})
    for key, _, grad in model.parameters():
        total[key] = total.get(key, 0) + grad
        grad[...] = total[key]
    model.apply_gradients(loss)
    return loss, out


# title: (the mistaken step, returning (loss, out); the hint)
WRONG_STEPS = {
    "dropout off": (dropout_off_step, "this is a step with Dropout off: call every layer's "
                    "forward with training=True in a training step."),
    "softmax applied twice": (softmax_twice_step, "the loss's gradient is dL/dlogits, the "
                              "gradient *before* the last layer's softmax: hand it to "
                              "model.layers[-1].backward_from_pre_activation, not to its "
                              "backward (which applies the softmax's derivative again)."),
    "no update": (no_update_step, "the weights did not change: end the step with "
                  "model.optimizer.apply_gradients(model.parameters())."),
    "gradients accumulated across steps": (
        accumulating_step, "the update of step 2 used the gradients of steps 1 and 2 added "
        "together: each step's update uses its own batch's gradients only. Each layer's "
        "backward sets layer.grads anew; whatever you add the gradients into must start "
        "from zero at every step."),
}


@contextlib.contextmanager
def textbook_mode():
    """minicnn's NumPy ops for the check's models: what the student's step is held
    against is the textbook step, and no numba code needs loading."""
    previous = ops.get_ops()
    ops.set_ops("numpy")
    try:
        yield
    finally:
        ops.set_ops(previous)


def check_train_step(train_step, name="train_step"):
    with textbook_mode():
        compare_steps(train_step, name)
    passed(name, "2 steps of a small CNN with Dropout",
           extra="Same loss, output and weights as minicnn's model.train_step")


def compare_steps(train_step, name):
    x, y = batch()
    reference, yours = small_model(), small_model()
    wrong = {title: small_model() for title in WRONG_STEPS}
    for step in (1, 2):
        expected_loss, expected_out = reference.train_step(x, y)
        wrong_results = {title: WRONG_STEPS[title][0](model, x, y)
                         for title, model in wrong.items()}
        call = Call(train_step, name, {"model": yours, "x": x, "y": y})
        loss, out = returned(call, call(), ("loss", "out"))
        loss, out = number(call, "loss", loss), array(call, "out", out)

        def mistakes(quantity):
            return [Mistake(title, WRONG_STEPS[title][1], quantity(title)) for title in wrong]
        loss_mistakes = mistakes(lambda title: wrong_results[title][0]) + [Mistake(
            "loss of the probabilities", "model.loss takes the logits, the last layer's "
            "pre_activation(): it applies the softmax itself.",
            SoftmaxCrossEntropy().forward(expected_out, y))]
        out_mistakes = mistakes(lambda title: wrong_results[title][1]) + [Mistake(
            "out is not the output", "return the output of the last layer's forward, the "
            "class probabilities.", reference.layers[-1].pre_activation())]
        for what, answer, expected, wrong_ones in [
                ("loss", loss, np.float64(expected_loss), loss_mistakes),
                ("out", out, expected_out, out_mistakes)]:
            lines = difference(what, answer, expected)
            if lines:
                raise step_failure(name, step, call, lines, hints(answer, expected, wrong_ones))
        for (key, param, _), (_, expected, _) in zip(yours.parameters(), reference.parameters()):
            lines = difference(key, param, expected)
            if lines:  # the symptoms show in all the weights together
                raise step_failure(name, step, call, lines, hints(
                    weights(yours), weights(reference), mistakes(lambda t: weights(wrong[t]))))


def step_failure(name, step, call, lines, hint_lines):
    return failure(name, f"After step {step} of {call.text()}, on a small CNN (Conv2D, "
                   f"MaxPool2D, Dropout, Flatten, Dense) held against minicnn's "
                   f"model.train_step on the same model", lines, hint_lines)
