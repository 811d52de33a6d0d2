"""Symbolic tensors: the Functional API's placeholders, and the graph of layer calls
they record.

    inputs = keras.Input(shape=(32, 32, 3))          # a KerasTensor, (None, 32, 32, 3)
    x = layers.Conv2D(16, 3, padding="same")(inputs)  # another: made by one layer call
    y = layers.add([x, layers.Conv2D(16, 1)(inputs)]) # several inputs: a merge
    model = keras.Model(inputs, y)                    # the calls from inputs to y

A KerasTensor holds no numbers: its per-sample shape, its dtype, and the call
(``Call``: a layer and the tensors it read) that made it. Calling a layer on
symbolic tensors builds the layer for their shapes (so a wrong shape is
reported at that line, as Keras reports it) and gives the symbolic outputs.
``graph(inputs, outputs)`` walks back from the outputs and returns the calls in
an order that computes each input of a call before the call; ``run`` computes
them on real tensors, one layer call after another, so that on a recording
tape each is a node whose backward is the layer's own.
"""
import numpy as np

from minicnn.layers.input import InputLayer
from minicnn.tape.tensor import Tensor


class Call:
    """One layer call of a graph: the layer, the tensors it read, those it made."""

    def __init__(self, layer, inputs, several):
        self.layer, self.inputs, self.several, self.outputs = layer, list(inputs), several, []


class KerasTensor:
    def __init__(self, per_sample, dtype, call=None, index=0, input_layer=None):
        self.per_sample, self._dtype = tuple(per_sample), np.dtype(dtype)
        self.call, self.index, self.input_layer = call, index, input_layer

    @property
    def shape(self):
        return (None,) + self.per_sample

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def dtype(self):
        return self._dtype.name

    @property
    def name(self):
        return self.input_layer.name if self.call is None else self.call.layer.name

    def symbolic_call(self, layer, inputs):
        """What ``layer(inputs)`` gives when the inputs are symbolic (Layer.__call__ asks)."""
        return call_symbolically(layer, inputs)

    def __array__(self, *args, **kwargs):
        raise TypeError(f"{self!r} is a symbolic placeholder of a functional model, not an "
                        f"array: it holds no numbers. Build the model with keras.Model(inputs, "
                        f"outputs) and call it (or predict) on arrays")

    # arithmetic on symbolic tensors is a layer call too: of an operation (operation_layer)
    def __add__(self, other):
        return _operation("add", self, other)

    def __radd__(self, other):
        return _operation("add", other, self)

    def __sub__(self, other):
        return _operation("subtract", self, other)

    def __rsub__(self, other):
        return _operation("subtract", other, self)

    def __mul__(self, other):
        return _operation("multiply", self, other)

    def __rmul__(self, other):
        return _operation("multiply", other, self)

    def __truediv__(self, other):
        return _operation("divide", self, other)

    def __matmul__(self, other):
        return _operation("matmul", self, other)

    def __neg__(self):
        return _operation("negative", self)

    def __getitem__(self, index):
        return _operation("getitem", self, index)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """keras.Input: a symbolic tensor of shape (None, *shape), to start a functional
    model or to declare a Sequential's input (``model.add(keras.Input(shape=...))``).
    ``name`` names its InputLayer."""
    if tensor is not None or optional:
        raise ValueError("Input: minicnn takes shape=, dtype= and name= (tensor= and "
                         "optional= are Keras features it does not have)")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name,
                       batch_shape=batch_shape, sparse=sparse)
    tensor = KerasTensor(layer.shape, layer.input_dtype, input_layer=layer)
    layer.symbolic_output = tensor  # Keras's input_layer.output: the Input tensor itself
    return tensor


def is_symbolic(x):
    return isinstance(x, KerasTensor) or (
        isinstance(x, (list, tuple)) and any(isinstance(t, KerasTensor) for t in x))


def call_symbolically(layer, inputs):
    """The symbolic outputs of ``layer`` called on symbolic ``inputs``: the layer is
    built for their shapes (a layer already built must fit them: Keras's shared
    layers), and the call is recorded in the outputs."""
    several = isinstance(inputs, (list, tuple))
    given = list(inputs) if several else [inputs]
    if not all(isinstance(t, KerasTensor) for t in given):
        raise ValueError(f"{layer.name} ({type(layer).__name__}): called on a mix of symbolic "
                         f"tensors and arrays; a functional model's layers take what keras.Input "
                         f"and other layers made")
    shapes = [t.per_sample for t in given]
    shape = shapes if several else shapes[0]
    dtype = np.result_type(*[t._dtype for t in given])
    try:
        if not layer.built:
            layer.build(shape, dtype)
        elif _as_tuples(layer.input_shape) != _as_tuples(shape):
            raise ValueError(f"it was built for inputs of shape {_batch(layer.input_shape)}; a "
                             f"layer used twice (Keras's shared layers) takes the same shape "
                             f"each time")
        out_shape = layer.per_sample_output_shape
    except ValueError as error:
        raise ValueError(f"{layer.name} ({type(layer).__name__}) called on a tensor of shape "
                         f"{_batch(shape)}: {error}") from None
    call = Call(layer, given, several)
    out_shapes = out_shape if _several_shapes(out_shape) else [out_shape]
    call.outputs = [KerasTensor(s, layer.dtype or dtype, call, i) for i, s in enumerate(out_shapes)]
    if getattr(layer, "symbolic_output", None) is None:  # Keras's layer.output: the first call's
        layer.symbolic_output = call.outputs if _several_shapes(out_shape) else call.outputs[0]
    return call.outputs if _several_shapes(out_shape) else call.outputs[0]


def graph(inputs, outputs):
    """The calls that compute ``outputs`` from ``inputs`` (lists of KerasTensors), in an
    order that computes each input of a call before the call, each call once. A walk
    with a stack of its own (a graph thousands of calls deep needs no deep recursion)."""
    wanted = {id(t) for t in inputs}
    order, done = [], set()
    for output in outputs:
        stack = [(output, False)]
        while stack:
            tensor, inputs_done = stack.pop()
            if id(tensor) in wanted:
                continue
            call = tensor.call
            if call is None:
                raise ValueError(f"keras.Model: the output needs the input {tensor.name}, which "
                                 f"is not among the model's inputs "
                                 f"({', '.join(t.name for t in inputs)})")
            if id(call) in done:
                continue
            if inputs_done:  # its inputs are computed: the call comes next
                done.add(id(call))
                order.append(call)
                continue
            stack.append((tensor, True))
            stack.extend((source, False) for source in reversed(call.inputs))
    return order


def run(calls, inputs, outputs, values, training=None):
    """Compute the graph on real tensors: ``values`` for ``inputs``; each call is a
    layer call (one node of a recording tape). Returns the outputs' tensors."""
    known = {id(t): v if isinstance(v, Tensor) else Tensor(np.asarray(v))
             for t, v in zip(inputs, values)}
    for call in calls:
        given = [known[id(t)] for t in call.inputs]
        made = call.layer(given if call.several else given[0], training)
        for tensor, value in zip(call.outputs, made if len(call.outputs) > 1 else [made]):
            known[id(tensor)] = value
    return [known[id(t)] for t in outputs]


def operation_layer(name, *args):
    """A layer applying tape operation ``name`` to its symbolic arguments: what
    ``x + y`` on KerasTensors adds to a graph (its backward is the tape's)."""
    from minicnn.tape import operations  # a layer written with call: see layers/base.py
    from minicnn.layers.base import Layer

    symbolic = [i for i, a in enumerate(args) if isinstance(a, KerasTensor)]

    class Operation(Layer):
        independent_samples = True

        def call(self, inputs):
            given = inputs if len(symbolic) > 1 else [inputs]
            full = list(args)
            for i, value in zip(symbolic, given):
                full[i] = value
            return getattr(operations, name)(*full)
    return Operation(name=name)


def _operation(name, *args):
    layer = operation_layer(name, *args)
    given = [a for a in args if isinstance(a, KerasTensor)]
    return layer(given if len(given) > 1 else given[0])


def _several_shapes(shape):
    return bool(shape) and isinstance(shape[0], (list, tuple))


def _as_tuples(shape):
    return [tuple(s) for s in shape] if _several_shapes(shape) else tuple(shape)


def _batch(shape):
    return [(None,) + tuple(s) for s in shape] if _several_shapes(shape) else (None,) + tuple(shape)
