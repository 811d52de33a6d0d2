"""Pipeline: preprocessing layers applied one after the other, as one layer."""
import numpy as np

from minicnn.layers.base import Layer


class Pipeline(Layer):
    """Pipeline(layers): y = layers[-1](... layers[0](x)); each keeps its own
    training behaviour (augmentation in training only). Backward: each layer's
    backward in reverse order."""
    independent_samples = True

    def __init__(self, layers, name=None, input_shape=None, **keras_only):
        super().__init__(name, input_shape)
        self.layers = list(layers)

    def get_config(self):
        return {"name": self.name, "layers": [type(layer).__name__ for layer in self.layers]}

    def build(self, input_shape, dtype=np.float32):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.build(shape, dtype)
        self.input_shape, self.dtype = tuple(input_shape), np.dtype(dtype)
        self.output_shape = tuple(shape)
        return self.output_shape

    def forward(self, x, training=False):
        x = self._check_input(x)
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, grad_y, input_grad=True):
        for layer in reversed(self.layers):
            grad_y = layer.backward(grad_y, input_grad)
            if grad_y is None:
                return None
        return grad_y
