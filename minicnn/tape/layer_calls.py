"""A layer call on a tape: one node whose backward is the layer's own ``backward``.

``layer(x)`` runs ``layer.forward`` on x's array and gives a Tensor. While a
tape records (and follows x, or the layer has trainable variables), the call
is one node: its inputs are x and the layer's trainable variables, and its
backward rule calls ``layer.backward(g)``, the code fit runs, then reads the
variables' gradients from ``layer.grads``. No gradient of a layer is written twice.

A layer keeps one cache: the last forward's. A layer called twice before the
backward pass (a shared layer, a model run twice) would answer the first call
from the second's cache, so each node keeps the layer's attributes as its call
left them and puts them back while its backward runs.
"""
import contextlib

import numpy as np

from minicnn.tape import recording
from minicnn.tape.operations import Tensor, value_of


def call_layer(layer, inputs, training=None):
    """``layer(inputs)``: one input, or a list of them for a layer that merges several."""
    several = isinstance(inputs, (list, tuple))
    given = list(inputs) if several else [inputs]
    arrays = [np.asarray(value_of(x)) for x in given]
    y = layer.forward(arrays if several else arrays[0], training)
    if training:
        layer.write_state(layer.state_updates())
    out = Tensor(y)
    if recording.recording_tapes():
        variables = layer.trainable_variables
        kept = dict(vars(layer))  # this call's cache

        def backward(grad, wanted):
            with attributes(layer, kept):
                grad_x = layer.backward(grad, input_grad=any(wanted[:len(given)]))
                grads = [layer.grads[variable.param] for variable in variables]
            grad_x = list(grad_x) if several else [grad_x]
            return grad_x + grads
        recording.record(layer.name, given + list(variables), out, backward)
    return out


@contextlib.contextmanager
def attributes(layer, kept):
    """The layer's attributes as ``kept`` for the block, then as they were."""
    now = dict(vars(layer))
    vars(layer).update(kept)
    try:
        yield
    finally:
        vars(layer).clear()
        vars(layer).update(now)
