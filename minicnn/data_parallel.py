"""The training step on two halves of the batch: on two threads when a second core is free.

Two cores share a step's work best when each takes half the batch through the
whole forward and backward: one launch per step instead of one per kernel.
Each half runs on its own copy of the layers (``twin``), which shares the
parameters and keeps its own caches and gradients; the loss is a mean over the
batch, so the step's loss and gradients are the halves' weighted by their
sizes. Measured with benchmarks/train_step.py on 2 cores: the MNIST step
1.7x faster than one thread, against 1.25x from splitting each kernel alone.

Every batch large enough (first_half) is computed as two halves, also on
one thread (one half after the other, which cost nothing measurable): a
step's numbers then do not depend on how many cores were free at that moment.
Dropout masks are drawn for the whole batch before the split, so they are the
masks of an unsplit step.
"""
import copy

import numpy as np

from minicnn import threads
from minicnn.layers.core import Dropout

# Split a batch of MIN_BATCH samples or more whose forward pass takes at least
# MIN_MULTIPLY_ADDS (about 2 ms for the whole step here): below that, a second
# thread and a second pass through the layers' Python cost more than they save
# (a Flatten + Dense model's step went from 0.49 to 0.85 ms when split).
MIN_BATCH = 16
MIN_MULTIPLY_ADDS = 10_000_000


def first_half(model, n):
    """The size of the first half of a batch of n for this model, or None to
    compute it whole. Depends on the model and n only (never on free cores)."""
    work = n * sum(layer.multiply_adds() for layer in model.layers)
    return n // 2 if n >= MIN_BATCH and work >= MIN_MULTIPLY_ADDS else None


def twin(model):
    """A shallow copy of the model whose layers share the model's parameters but
    keep their own caches and gradients, with a loss object of its own."""
    other = copy.copy(model)
    other.layers = []
    for layer in model.layers:
        copied = copy.copy(layer)
        copied.grads = {}  # backward assigns each gradient: nothing to allocate
        other.layers.append(copied)
    other.loss = copy.copy(model.loss)
    return other


def loss_and_gradients(model, x, y, sample_weight, half):
    """Forward and backward on the batch as two halves: fills every layer's grads
    (those of the whole batch) and returns (loss, output) of the whole batch."""
    threads.keep_freed_memory()
    other = twin(model)
    for layer, copied in zip(model.layers, other.layers):
        if isinstance(layer, Dropout) and layer.rate > 0:
            keep = layer.draw_keep(len(x))
            layer.drawn, copied.drawn = keep[:half], keep[half:]
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
    weights = (None, None) if sample_weight is None else (sample_weight[:half],
                                                            sample_weight[half:])

    def run(net, rows, weight):
        def step():
            output = net.forward(x[rows], training=True)
            loss = net.loss_value(output, y[rows], weight)
            net.backward_loss(input_grad=False)
            return loss, output
        return step
    try:
        (loss_a, out_a), (loss_b, out_b) = threads.run_together(
            run(model, slice(None, half), weights[0]), run(other, slice(half, None), weights[1]))
    finally:  # after an error, no mask drawn for this batch may reach the next forward
        for layer in model.layers:
            if isinstance(layer, Dropout):
                layer.drawn = None
    share = half / len(x)  # the loss is a mean over the batch: weight each half by its size
    for layer, copied in zip(model.layers, other.layers):
        a, b = layer.dtype.type(share), layer.dtype.type(1 - share)
        for key, grad in copied.grads.items():
            layer.grads[key] = a * layer.grads[key] + b * grad
    return share * loss_a + (1 - share) * loss_b, np.concatenate([out_a, out_b])
