"""Lambda: a function of tensors as a layer, written Keras's way (with ``call``), so
its backward is the tape's: the backward rules of the operations the function used
(tape/operations.py), walked back in reverse."""
from minicnn.layers.base import Layer


class Lambda(Layer):
    """Lambda(function): y = function(x) (x a Tensor, or a list of them for several
    inputs), with ``arguments`` as keywords. The function computes with tensor
    operations (arithmetic, tf.*, keras.ops.*), which the layer's own tape records;
    backward walks that tape back. Keras's output_shape is worked out by calling the
    function on zeros, so it is not needed (and is ignored)."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, name=None,
                 **keras_only):
        super().__init__(name, **keras_only)
        if not callable(function):
            raise ValueError(f"{self.name} (Lambda): function must be callable, got "
                             f"{function!r:.80}")
        if mask is not None:
            raise ValueError(f"{self.name} (Lambda): minicnn has no masks (mask=None only)")
        self.function, self.arguments = function, dict(arguments or {})

    def get_config(self):
        return {"name": self.name, "function": getattr(self.function, "__name__", "lambda")}

    def call(self, inputs):
        return self.function(inputs, **self.arguments)
