"""The fast training step: on two halves of the batch, on two threads when a second
core is free, and with the fast rung's fused ops (plan.py).

This wraps the textbook step from outside; ``Sequential.train_step`` itself
never splits and never fuses. fit and train_on_batch take this step when the fast
ops are on (``parallel.train_step_for``). Each half (or the whole batch) runs
forward, loss and backward on the plan's view of the model, whose layers are the
model's own but for the fused stand-ins; the update is the textbook one.

Two cores share a step's work best when each takes half the batch through the
whole forward and backward: one thread launch per step instead of one per op.
Each half runs on a replica of the model whose layers share the parameters
and keep their own caches and gradients. The loss is a mean over the batch,
so the step's loss and gradients are the halves' weighted by their sizes; the
update is then the textbook one (``model.apply_gradients``).

When it splits (``split_point``): only models whose layers all treat samples
independently (``Layer.independent_samples``; a layer that normalises by the
batch's statistics does not), and only batches large enough to pay for a
second pass through the layers' Python. The split depends on the model and
the batch only, never on how many cores are free, so that one thread, two
threads and a busy machine give the same numbers, bit for bit. A layer that
draws random numbers per sample (Dropout) draws them for the whole batch
first (``Layer.draw_randomness``), so each half uses the rows of an unsplit step.
"""
import copy

import numpy as np

from minicnn.parallel import plan, pool
from minicnn.parallel.blas import one_blas_thread

# Split a batch of MIN_BATCH samples or more whose forward pass takes at least
# MIN_MULTIPLY_ADDS: below that, a second thread and a second pass through the
# layers' Python cost more than they save (benchmarks/RESULTS.md).
MIN_BATCH = 16
MIN_MULTIPLY_ADDS = 10_000_000


def multiply_adds(layer):
    """The multiply-adds of a layer's forward pass per sample: each weight (a
    parameter of 2+ dimensions; biases and scales only add) is used once at each
    output position (Conv2D: kh*kw*C*F weights at H'*W' positions; Dense: its
    D*units weights once). A measure of work, for split_point and the benchmarks."""
    shape = layer.output_shape
    positions = int(np.prod(shape[:-1])) if len(shape) == 3 else 1
    return sum(param.size for param in layer.params.values() if param.ndim >= 2) * positions


def split_point(model, n):
    """The size of the first half of a batch of n samples, or None to compute
    the batch whole. Depends on the model and n only."""
    if not all(layer.independent_samples for layer in model.layers):
        return None
    work = n * sum(multiply_adds(layer) for layer in model.layers)
    return n // 2 if n >= MIN_BATCH and work >= MIN_MULTIPLY_ADDS else None


def train_step(model, x, y, sample_weight=None):
    """model.train_step(x, y, sample_weight), computed as two halves of the batch
    when split_point says so, with the fused ops where the plan has them.
    Returns (loss, probabilities), as train_step."""
    x = model.prepare_input(x)
    with one_blas_thread():
        half = split_point(model, len(x))
        fused = plan.for_model(model)
        if half is None and fused is None:  # the textbook step, which checks the batch itself
            return model.train_step(x, y, sample_weight)
        model.check_batch(x, y, sample_weight)  # whole: errors speak of the user's batch
        if half is None:
            loss, output = forward_backward(fused.view(model, 0), x, y, sample_weight)()
        else:
            loss, output = gradients_in_halves(model, x, np.asarray(y), sample_weight, half,
                                               fused)
        model.apply_gradients(loss)
    return loss, model.probabilities(output)


def forward_backward(net, x, y, sample_weight):
    """The textbook step's forward, loss and backward (no update) on ``net``, to be
    called: returns (loss, output); net's layers hold the gradients."""
    def step():
        output = net.forward(x, training=True)
        loss = net.loss_value(output, y, sample_weight)
        net.backward_loss(input_grad=False)
        return loss, output
    return step


def replica(model):
    """A shallow copy of the model whose layers share the model's parameters but
    keep their own caches and gradients (a layer's forward and backward assign
    those attributes anew), with a loss object of its own."""
    other = copy.copy(model)
    other.layers = []
    for layer in model.layers:
        copied = copy.copy(layer)
        copied.grads = {}
        other.layers.append(copied)
    other.loss = copy.copy(model.loss)
    return other


def gradients_in_halves(model, x, y, sample_weight, half, fused=None):
    """Forward and backward on x[:half] and x[half:], each on its own replica of
    the model (through the plan ``fused``'s view of it, when given): fills the
    model's grads with those of the whole batch and returns (loss, output) of the
    whole batch."""
    other = replica(model)
    handed = []  # layers given rows drawn for the whole batch (see Layer.draw_randomness)
    for layer, copied in zip(model.layers, other.layers):
        drawn = layer.draw_randomness(len(x))
        if drawn is not None:
            layer.draw_randomness = lambda n, rows=drawn[:half]: rows
            copied.draw_randomness = lambda n, rows=drawn[half:]: rows
            handed.append(layer)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
    weights = (None, None) if sample_weight is None else (sample_weight[:half],
                                                            sample_weight[half:])

    nets = (model, other) if fused is None else (fused.view(model, 0), fused.view(other, 1))
    try:
        (loss_a, out_a), (loss_b, out_b) = pool.run_together(
            forward_backward(nets[0], x[:half], y[:half], weights[0]),
            forward_backward(nets[1], x[half:], y[half:], weights[1]))
    finally:  # the layers draw their own numbers again, after an error too
        for layer in handed:
            del layer.draw_randomness
    share = half / len(x)  # the loss is a mean over the batch: weight each half by its size
    for layer, copied in zip(model.layers, other.layers):
        a, b = layer.dtype.type(share), layer.dtype.type(1 - share)
        for key, grad in copied.grads.items():
            layer.grads[key] = a * layer.grads[key] + b * grad
    return share * loss_a + (1 - share) * loss_b, np.concatenate([out_a, out_b])
