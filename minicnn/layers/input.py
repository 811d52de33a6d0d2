"""The input of a model: keras.Input and the InputLayer, which start the Functional API.

    inputs = keras.Input(shape=(28, 28, 1), name="digits")  # a KerasTensor, (None, 28, 28, 1)
    x = layers.Conv2D(8, 3, activation="relu")(inputs)      # another: the chain so far
    outputs = layers.Dense(10, activation="softmax")(layers.Flatten()(x))
    model = keras.Model(inputs, outputs)                    # a Sequential (compat/functional.py)

A KerasTensor (layers/base.py, what a layer returns when called on one) holds
no numbers: only the per-sample shape and the chain of layers that leads to it
from its Input. minicnn's Functional API builds
chains, where each layer feeds the next; merges (Add, Concatenate), several
inputs and layers used twice are refused with a message.
"""
import numpy as np

from minicnn.layers.base import KerasTensor, Layer


class InputLayer(Layer):
    """The first entry of a functional model's ``layers`` (Keras lists it there):
    the identity, y = x, dL/dx = dL/dy. In a Sequential it only declares the
    input shape (``Sequential.add``), as in Keras."""
    independent_samples = True  # one sample's output depends on that sample alone

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, batch_shape=None,
                 input_shape=None, sparse=None):
        super().__init__(name)
        given = [s for s in (shape, input_shape) if s is not None]
        if batch_shape is not None:
            given.append(tuple(batch_shape)[1:])
        if not given:
            raise ValueError(f"{self.name}: give the per-sample shape, e.g. shape=(28, 28, 1)")
        self.shape = _per_sample_shape(self.name, given[0])
        self.input_dtype = _float_dtype(self.name, dtype)
        if sparse:
            raise ValueError(f"{self.name}: minicnn has no sparse inputs (sparse=True)")

    def get_config(self):
        return {"name": self.name, "shape": self.shape}

    def forward(self, x, training=False):
        return self._check_input(x)

    def backward(self, grad_y, input_grad=True):
        return self._check_grad(grad_y) if input_grad else None


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """keras.Input: a symbolic tensor of shape (None, *shape), to start a functional
    chain or to declare a Sequential's input (``model.add(keras.Input(shape=...))``).
    ``name`` names its InputLayer."""
    if tensor is not None or optional:
        raise ValueError("Input: minicnn takes shape=, dtype= and name= (tensor= and "
                         "optional= are Keras features it does not have)")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name,
                       batch_shape=batch_shape, sparse=sparse)
    return KerasTensor(layer)


def _per_sample_shape(owner, shape):
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(f"{owner}: shape must be a tuple of positive ints, "
                         f"got {shape!r}") from None
    if not shape or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0
                            for d in shape):
        raise ValueError(f"{owner}: shape must be a tuple of positive ints (per sample, without "
                         f"the batch axis; minicnn needs every size known), got {shape!r}")
    return tuple(int(d) for d in shape)


def _float_dtype(owner, dtype):
    dtype = np.dtype(np.float32 if dtype is None else dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{owner}: dtype must be float32 or float64, got {dtype}")
    return dtype
