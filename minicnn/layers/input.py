"""The input of a model: the InputLayer, which keras.Input (training/symbolic.py) makes
to start a functional model, and which declares a Sequential's input shape."""
import numpy as np

from minicnn.layers.base import Layer


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
