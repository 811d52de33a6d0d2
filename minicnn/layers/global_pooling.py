"""GlobalMaxPooling2D: the largest value of each channel over the whole image
(GlobalAveragePooling2D, its mean twin, is in pooling.py)."""
from minicnn.arguments import check_choice
from minicnn.layers.base import Layer


class GlobalMaxPooling2D(Layer):
    """The maximum of each channel over the image: (N, H, W, C) -> (N, C), or
    (N, 1, 1, C) with keepdims=True.
    Backward: dL/dy[n, c] goes to the pixel that was the maximum; pixels tied for
    it share it equally (TensorFlow's rule for a maximum over an axis)."""
    independent_samples = True

    def __init__(self, data_format=None, keepdims=False, name=None, input_shape=None,
                 **keras_only):
        super().__init__(name, input_shape)
        check_choice(self.name, "data_format", data_format, (None, "channels_last"))
        self.keepdims = bool(keepdims)

    def get_config(self):
        return {"name": self.name, "keepdims": self.keepdims}

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expects per-sample input (height, width, channels), "
                             f"got shape {tuple(input_shape)}")
        return (1, 1, input_shape[2]) if self.keepdims else (input_shape[2],)

    def forward(self, x, training=False):
        x = self._check_input(x)
        top = x.max(axis=(1, 2), keepdims=True)
        self.winners = (x == top).astype(x.dtype)
        self.winners /= self.winners.sum(axis=(1, 2), keepdims=True)
        return top if self.keepdims else top[:, 0, 0, :]

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y).reshape(len(grad_y), 1, 1, -1)
        return grad_y * self.winners


GlobalMaxPool2D = GlobalMaxPooling2D  # Keras's alias
