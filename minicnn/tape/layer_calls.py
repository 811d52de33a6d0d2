"""A layer call on a tape: one node whose backward is the layer's own ``backward``;
and the layers written with ``call``, Keras's way, whose backward is the tape's.

``layer(x)`` runs ``layer.forward`` on x's array and gives a Tensor. While a
tape records (and follows x, or the layer has trainable variables), the call
is one node: its inputs are x and the layer's trainable variables, and its
backward rule calls ``layer.backward(g)``, the code fit runs, then reads the
variables' gradients from ``layer.grads``. No gradient of a layer is written twice.

A layer keeps one cache: the last forward's. A layer called twice before the
backward pass (a shared layer, a model run twice) would answer the first call
from the second's cache, so each node keeps the layer's attributes as its call
left them and puts them back while its backward runs.

A layer written Keras's way defines only ``call`` (tensor operations and calls
of other layers, its sublayers) and perhaps ``build(input_shape)`` with
``add_weight``. Its forward runs ``call`` under a tape of its own; its backward
walks that tape back (recording.backward_pass) to its inputs and to every
variable below it, and writes each variable's gradient into its layer's grads,
as a handwritten backward would. So it trains under fit like any other layer,
and on an outer tape it is one node like any other.
"""
import inspect

import contextlib

import numpy as np

from minicnn.tape import recording
from minicnn.tape.operations import Tensor, value_of


def call_layer(layer, inputs, training=None, handwritten=False):
    """``layer(inputs)``: one input, or a list of them for a layer that merges several.
    handwritten: run the forward and backward written by hand in the layer's class
    (Layer.call: what a subclass with a call of its own reaches through super())."""
    several = isinstance(inputs, (list, tuple))
    given = list(inputs) if several else [inputs]
    arrays = [np.asarray(value_of(x)) for x in given]
    forward = written_by_hand(layer, "forward") if handwritten else layer.forward
    backward_of_layer = written_by_hand(layer, "backward") if handwritten else layer.backward
    y = forward(arrays if several else arrays[0], training)
    if training:
        layer.write_state(layer.state_updates())
    out = Tensor(y)
    if recording.recording_tapes():
        variables = layer.trainable_variables
        kept = dict(vars(layer))  # this call's cache

        def backward(grad, wanted):
            with attributes(layer, kept):
                grad_x = backward_of_layer(grad, input_grad=any(wanted[:len(given)]))
                grads = [variable.layer.grads[variable.param] for variable in variables]
            grad_x = list(grad_x) if several else [grad_x]
            return grad_x + grads
        recording.record(layer.name, given + list(variables), out, backward)
    return out


def written_by_hand(layer, name):
    """The layer's ``forward`` or ``backward`` as its class (or a parent) writes it by
    hand, past the ones that hand the work to the tape (Layer's own)."""
    for klass in type(layer).__mro__:
        method = vars(klass).get(name)
        if method is not None and not getattr(method, "from_the_tape", False):
            return method.__get__(layer)
    raise NotImplementedError(f"{type(layer).__name__}: no {name} written by hand to call")


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


# -- layers written with call --------------------------------------------------------------------
def forward_by_call(layer, x, training):
    """Run ``layer.call`` on tensors of x under a tape of the layer's own (only that
    one records: an outer tape sees this layer as one node); keep the tape for
    backward_by_call and give the output's array (arrays, for several outputs)."""
    several = isinstance(x, (list, tuple))
    arrays = [np.asarray(value_of(a)) for a in (x if several else [x])]
    if not layer.built:  # built on first use, as Keras builds
        shapes = [a.shape[1:] for a in arrays]
        layer.build(shapes if several else shapes[0],
                    np.float64 if arrays[0].dtype == np.float64 else np.float32)
    inputs = [Tensor(a.astype(layer.dtype, copy=False)) for a in arrays]
    own = recording.Record()
    for tensor in inputs:
        own.follow(tensor)
    tapes = recording.recording_tapes()
    outer, tapes[:] = list(tapes), [own]
    try:
        out = call_with_training(layer, inputs if several else inputs[0], training)
    finally:
        tapes[:] = outer
    layer.call_record = (own, inputs, out)
    return [np.asarray(value_of(o)) for o in out] if isinstance(out, (list, tuple)) \
        else np.asarray(value_of(out))


def backward_by_call(layer, grad_y, input_grad=True):
    """Walk the tape of the last forward back from grad_y (one per output) to the
    inputs and to every trainable variable below the layer; each variable's
    gradient, summed over every use, goes into its layer's grads."""
    own, inputs, out = layer.call_record
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    seeds = list(grad_y) if isinstance(out, (list, tuple)) else [grad_y]
    variables = layer.trainable_variables
    grads = recording.backward_pass(own.nodes, outs, [np.asarray(g) for g in seeds],
                                    inputs + variables)
    for variable, grad in zip(variables, grads[len(inputs):]):
        variable.layer.grads[variable.param] = (np.zeros_like(variable.value) if grad is None
                                                else grad.astype(variable.dtype))
    if not input_grad:
        return None
    grad_x = [np.zeros_like(x.value) if g is None else g.astype(x.dtype)
              for x, g in zip(inputs, grads[:len(inputs)])]
    return grad_x if len(inputs) > 1 else grad_x[0]


def build_by_call(layer, input_shape, dtype):
    """Build a layer written with ``call``: its own ``build`` (Keras's, given the
    shape with its batch axis) creates its weights; one call on a batch of zeros
    builds its sublayers and tells the output shape."""
    several = bool(input_shape) and isinstance(input_shape[0], (list, tuple))
    shapes = [tuple(int(d) for d in s) for s in (input_shape if several else [input_shape])]
    layer.input_shape, layer.dtype = (shapes if several else shapes[0]), np.dtype(dtype)
    if hasattr(layer, "keras_build"):
        batch_shapes = [(None,) + s for s in shapes]
        layer.keras_build(batch_shapes if several else batch_shapes[0])
    taken = set()
    for sublayer in sublayers(layer):  # named apart, as a Sequential names its layers
        if sublayer.container is None:
            sublayer.container = layer
            base, i = sublayer.name, 1
            while sublayer.name in taken:
                sublayer.name, i = f"{base}_{i}", i + 1
        taken.add(sublayer.name)
    zeros = [np.zeros((1,) + s, dtype) for s in shapes]
    with no_recording():
        out = call_with_training(layer, [Tensor(z) for z in zeros] if several
                                 else Tensor(zeros[0]), False)
    outs = out if isinstance(out, (list, tuple)) else [out]
    layer.output_shape = tuple(np.shape(value_of(o))[1:] for o in outs) \
        if isinstance(out, (list, tuple)) else tuple(np.shape(value_of(out))[1:])
    return layer.output_shape


def call_with_training(layer, inputs, training):
    """layer.call(inputs), with ``training`` if its call takes it (Keras passes it so);
    the losses it adds (add_loss) are this call's."""
    layer.added_losses = []
    if "training" in inspect.signature(layer.call).parameters:
        return layer.call(inputs, training=training)
    return layer.call(inputs)


@contextlib.contextmanager
def no_recording():
    tapes = recording.recording_tapes()
    outer, tapes[:] = list(tapes), []
    try:
        yield
    finally:
        tapes[:] = outer


def sublayers(layer):
    """The layers among a layer's attributes (also inside lists, tuples and dicts), in
    the order they were set, each once: what Keras tracks as the layer's sublayers."""
    found, seen = [], {id(layer), id(getattr(layer, "container", None))}
    for name, value in vars(layer).items():
        if name.startswith("_") or name == "container":
            continue
        items = value.values() if isinstance(value, dict) else value \
            if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if _is_layer(item) and id(item) not in seen:
                seen.add(id(item))
                found.append(item)
    return found


def _is_layer(item):
    # layers/base.py builds on this module, so a layer is known by its contract
    return hasattr(item, "backward") and hasattr(item, "trainable_variables") \
        and not isinstance(item, type)
