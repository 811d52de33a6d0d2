"""The Layer interface, shared argument checks and the window geometry.

A layer is a forward/backward pair around a cache:

    y = layer.forward(x, training)   # keeps what backward needs
    grad_x = layer.backward(grad_y)  # fills layer.grads, returns dL/dx

``params`` and ``grads`` are dicts with the same keys and shapes. ``backward``
overwrites ``grads`` (nothing accumulates) and never modifies ``grad_y``.
Shapes given to ``build`` and stored in ``input_shape``/``output_shape`` are
per sample, without the batch axis.
"""
import math
import re

import numpy as np


class Layer:
    def __init__(self, name=None):
        self.name = name or _snake_case(type(self).__name__)
        self.params, self.grads = {}, {}
        self.input_shape = self.output_shape = None
        self.dtype = None
        # The first layer of a model needs no gradient for its input; the model
        # turns this off there to save a col2im.
        self.needs_input_grad = True

    @property
    def built(self):
        return self.input_shape is not None

    def build(self, input_shape, dtype=np.float32):
        """Fix the per-sample input shape and dtype, create the parameters and
        return the per-sample output shape."""
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"{self.name}: dtype must be float32 or float64, got {dtype}")
        input_shape = tuple(int(d) for d in input_shape)
        self.output_shape = tuple(self.compute_output_shape(input_shape))
        self.input_shape, self.dtype = input_shape, dtype
        self.params = {k: v.astype(dtype) for k, v in self.init_params(input_shape).items()}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        return self.output_shape

    # -- to be filled in by each layer ------------------------------------
    def compute_output_shape(self, input_shape):
        return input_shape

    def init_params(self, input_shape):
        return {}

    def get_config(self):
        """The constructor arguments, for saving a model's architecture."""
        return {"name": self.name}

    # -- helpers for forward ----------------------------------------------
    def _check_input(self, x):
        """Build on first use (as Keras does) and check x's per-sample shape."""
        x = np.asarray(x)
        if not self.built:
            self.build(x.shape[1:], x.dtype if x.dtype == np.float64 else np.float32)
        if x.shape[1:] != self.input_shape:
            raise ValueError(
                f"{self.name} ({type(self).__name__}): expected input of shape "
                f"(batch, {', '.join(map(str, self.input_shape))}), got {x.shape}")
        return x.astype(self.dtype, copy=False)

    def count_params(self):
        return sum(p.size for p in self.params.values())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def _snake_case(name):
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()


# -- argument checks: errors name the layer, the argument and the value -----
def as_pair(layer, arg, value):
    """An int or a pair of positive ints -> a (h, w) tuple."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in pair):
        raise ValueError(f"{layer}: {arg} must be a positive int or a pair of positive ints, "
                         f"got {value!r}")
    return int(pair[0]), int(pair[1])


def check_choice(layer, arg, value, allowed):
    if value not in allowed:
        raise ValueError(f"{layer}: {arg} must be one of {allowed}, got {value!r}")
    return value


def window_geometry(layer, n, k, s, padding):
    """Output size and padding along one axis for a window of size k, stride s.

    "valid": out = (n - k) // s + 1, no padding.
    "same" (TensorFlow's rule): out = ceil(n / s); total padding
    max((out - 1) * s + k - n, 0), the smaller half before (top/left).
    Returns (out, pad_before, pad_after).
    """
    if padding == "valid":
        if k > n:
            raise ValueError(f"{layer}: window of size {k} is larger than its input of size {n} "
                             f"with padding='valid'; use a smaller window or padding='same'")
        return (n - k) // s + 1, 0, 0
    out = math.ceil(n / s)
    total = max((out - 1) * s + k - n, 0)
    return out, total // 2, total - total // 2


def sliding_window_shape(layer, input_shape, window, strides, padding):
    """Output (height, width) and pads (top, bottom, left, right) of a 2-D
    window sliding over a per-sample input (height, width, channels)."""
    if len(input_shape) != 3:
        raise ValueError(f"{layer}: expects per-sample input (height, width, channels), "
                         f"got shape {input_shape}")
    out_h, top, bottom = window_geometry(layer, input_shape[0], window[0], strides[0], padding)
    out_w, left, right = window_geometry(layer, input_shape[1], window[1], strides[1], padding)
    return (out_h, out_w), (top, bottom, left, right)


def pad_hw(x, pads, value=0.0):
    """Pad the height and width axes of an NHWC batch; pads = (top, bottom, left, right)."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)


def unpad_hw(x, pads):
    top, bottom, left, right = pads
    return x[:, top:x.shape[1] - bottom, left:x.shape[2] - right, :]


def glorot_uniform(rng, shape, fan_in, fan_out):
    """Keras's default kernel initialiser: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


class Input:
    """Declares the per-sample input shape, as ``tf.keras.Input(shape=...)`` in
    a Sequential model: ``model.add(Input(shape=(256, 256, 1)))``. Not a layer."""

    def __init__(self, shape, dtype=np.float32):
        self.shape, self.dtype = tuple(int(d) for d in shape), np.dtype(dtype)
