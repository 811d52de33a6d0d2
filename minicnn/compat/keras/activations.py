"""keras.activations: the activations as functions of tensors (each an operation a
GradientTape records, its backward rule minicnn.activations's), and ``get``.

    keras.activations.relu(x)              x a Tensor, an array or a number -> a Tensor
    keras.activations.get("gelu")          the function; Dense(activation=it) takes it too
"""
import functools

import numpy as np

from minicnn import activations as rules
from minicnn.compat.missing import missing_names
from minicnn.tape import operations
from minicnn.tape.operations import operation


def _floats(x):
    """An array of floats: Python numbers and lists as float32 (TensorFlow's rule),
    integer arrays as float32, float arrays as they are."""
    array = np.asarray(x)
    if not isinstance(x, np.ndarray) or array.dtype.kind != "f":
        return array.astype(np.float32)
    return array


def _by_rule(name, **options):
    """The operation applying activation ``name`` (minicnn.activations's forward and
    backward, with ``options``)."""
    forward, backward = (rules.MORE[name] if name in rules.MORE else
                         (lambda z: rules.forward(name, z), None))

    @operation()
    def apply(x):
        z = _floats(x)
        y = forward(z, **options)
        return y, lambda g: (backward(g, y, z, **options) if backward else
                             rules.backward(name, g, y))
    apply.__name__ = name
    return apply


def _named(name):
    def decorate(function):
        function.__name__ = function.__qualname__ = name
        return function
    return decorate


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0), or Keras's leaky, capped or shifted relu with the options."""
    options = {"negative_slope": negative_slope, "max_value": max_value, "threshold": threshold}

    @operation()
    def relu(x):
        z = _floats(x)
        return rules.relu_with(z, **options), lambda g: rules.relu_with_backward(g, z, **options)
    return relu(x)


def leaky_relu(x, negative_slope=0.2):
    return _by_rule("leaky_relu", negative_slope=negative_slope)(x)


def elu(x, alpha=1.0):
    return _by_rule("elu", alpha=alpha)(x)


def gelu(x, approximate=False):
    return _by_rule("gelu", approximate=approximate)(x)


def softmax(x, axis=-1):
    return operations.softmax(operations.convert_to_tensor(_floats(operations.value_of(x))), axis)


def log_softmax(x, axis=-1):
    return operations.log_softmax(operations.convert_to_tensor(_floats(operations.value_of(x))),
                                  axis)


def linear(x):
    return operations.convert_to_tensor(x)


sigmoid, tanh = _by_rule("sigmoid"), _by_rule("tanh")
selu, swish, silu, relu6 = _by_rule("selu"), _by_rule("swish"), _by_rule("silu"), _by_rule("relu6")
softplus, softsign, exponential = _by_rule("softplus"), _by_rule("softsign"), _by_rule("exponential")
hard_sigmoid, hard_silu, mish = _by_rule("hard_sigmoid"), _by_rule("hard_silu"), _by_rule("mish")
hard_swish, log_sigmoid = _by_rule("hard_swish"), _by_rule("log_sigmoid")

TABLE = {name: value for name, value in dict(globals()).items()
         if callable(value) and not name.startswith("_") and name in rules.ACTIVATIONS}


def get(identifier):
    """An activation function from a name ("relu", ...), a function (itself) or None
    (linear), as keras.activations.get."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in TABLE:
        return TABLE[identifier]
    raise ValueError(f"keras.activations.get: unknown activation {identifier!r:.80}; minicnn "
                     f"has {', '.join(sorted(TABLE))}")


def serialize(activation):
    return getattr(activation, "__name__", activation)


deserialize = functools.partial(get)

__all__ = sorted([*TABLE, "get", "serialize", "deserialize"])
HINTS = {}
__getattr__ = missing_names("keras.activations", HINTS, __all__)
