"""Pooling: the maximum or the mean of each window, and the global mean."""
import numpy as np

from minicnn import ops
from minicnn.arguments import as_pair, check_choice
from minicnn.layers.base import Layer, WindowLayer
from minicnn.ops.windows import pad_hw, unpad_hw, window_slice


class Pooling2D(WindowLayer):
    """What the two window poolings share: pool_size, strides (the pool size by
    default; smaller strides give overlapping windows) and padding, as Keras's."""
    independent_samples = True  # one sample's output depends on that sample alone

    def __init__(self, pool_size=2, strides=None, padding="valid", name=None, input_shape=None):
        super().__init__(name, input_shape)
        self.pool_size = as_pair(self.name, "pool_size", pool_size)
        self.strides = as_pair(self.name, "strides", self.pool_size if strides is None else strides)
        self.padding = check_choice(self.name, "padding", str(padding).lower(), ("valid", "same"))

    def get_config(self):
        return {"name": self.name, "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding}

    @property
    def window(self):
        return self.pool_size

    def output_channels(self, input_shape):
        return input_shape[2]


class MaxPooling2D(Pooling2D):
    """Max pooling on NHWC batches, channel by channel.

    x: (N, H, W, C) -> y: (N, H', W', C); H' as in Conv2D with kernel pool_size.
    strides default to pool_size; smaller strides give overlapping windows.
    "same" pads with -inf, so padding never wins a window.

    Backward: each window's gradient goes to the input that was its maximum;
    on ties, to the first maximum in scan order (row by row). Where windows
    overlap, an input that wins several windows receives the sum.
    NaN propagates, as in np.max: a window holding a NaN outputs NaN, and
    its gradient goes to the first NaN.

    Forward and backward run as one op each (``ops.maxpool2d_forward`` and
    ``ops.maxpool2d_backward``; in textbook mode, ops/reference.py).
    """

    def forward(self, x, training=False):
        x = self._check_input(x)
        y, self.cache = ops.maxpool2d_forward(x, self.pool_size, self.strides, self.pads)
        return y

    def backward(self, grad_y, input_grad=True):
        return ops.maxpool2d_backward(self._check_grad(grad_y), self.cache)


MaxPool2D = MaxPooling2D  # Keras's alias


class AveragePooling2D(Pooling2D):
    """Average pooling on NHWC batches, channel by channel.

    x: (N, H, W, C) -> y: (N, H', W', C), shapes and "same" pads as MaxPooling2D.
    y = (sum of the window) / count, where count is the number of real (not
    padding) pixels in the window, as TensorFlow counts them.
    Backward: each window's dy / count goes to every pixel of the window
    (summed where windows overlap). Not a hot layer in the lessons: NumPy only.
    """

    def build(self, input_shape, dtype=np.float32):
        output_shape = super().build(input_shape, dtype)
        ones = np.ones((1,) + self.input_shape[:2] + (1,), dtype)
        self.counts = self._window_sums(pad_hw(ones, self.pads))
        return output_shape

    def _window_sums(self, x_padded):
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        out_h, out_w, _ = self.output_shape
        total = np.zeros((len(x_padded), out_h, out_w, x_padded.shape[3]), x_padded.dtype)
        for i in range(ph):
            for j in range(pw):
                total += x_padded[(slice(None),) + window_slice(i, j, sh, sw, out_h, out_w)]
        return total

    def forward(self, x, training=False):
        x = self._check_input(x)
        x_padded = pad_hw(x, self.pads)
        self.padded_shape = x_padded.shape
        return self._window_sums(x_padded) / self.counts

    def backward(self, grad_y, input_grad=True):
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        out_h, out_w, _ = self.output_shape
        share = self._check_grad(grad_y) / self.counts
        grad_padded = np.zeros(self.padded_shape, self.dtype)
        for i in range(ph):
            for j in range(pw):
                grad_padded[(slice(None),) + window_slice(i, j, sh, sw, out_h, out_w)] += share
        return unpad_hw(grad_padded, self.pads)


AvgPool2D = AveragePooling2D


class GlobalAveragePooling2D(Layer):
    """The mean of each channel over the image: (N, H, W, C) -> (N, C), or
    (N, 1, 1, C) with keepdims=True (Keras's).
    Backward: dL/dx[n, h, w, c] = dL/dy[n, c] / (H * W)."""
    independent_samples = True  # one sample's output depends on that sample alone

    def __init__(self, data_format=None, keepdims=False, name=None, input_shape=None):
        super().__init__(name, input_shape)
        check_choice(self.name, "data_format", data_format, (None, "channels_last"))
        self.keepdims = bool(keepdims)

    def get_config(self):
        return {"name": self.name, **({"keepdims": True} if self.keepdims else {})}

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expects per-sample input (height, width, channels), "
                             f"got shape {input_shape}")
        return (1, 1, input_shape[2]) if self.keepdims else (input_shape[2],)

    def forward(self, x, training=False):
        return self._check_input(x).mean(axis=(1, 2), keepdims=self.keepdims)

    def backward(self, grad_y, input_grad=True):
        h, w, c = self.input_shape
        grad = self._check_grad(grad_y).reshape(-1, 1, 1, c) / self.dtype.type(h * w)
        return np.broadcast_to(grad, (len(grad), h, w, c)).copy()
