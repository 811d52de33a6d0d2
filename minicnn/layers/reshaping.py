"""Layers that move values without computing new ones: Reshape, Permute,
ZeroPadding2D, Cropping2D, UpSampling2D and Identity. Each backward moves the
gradient back where the value came from (summed where one value went to several
places, as in UpSampling2D)."""
import numpy as np

from minicnn.arguments import check_choice, check_positive_int
from minicnn.layers.base import Layer
from minicnn.ops.windows import pad_hw, unpad_hw


class Identity(Layer):
    """y = x; dL/dx = dL/dy (a placeholder, as Keras's)."""
    independent_samples = True

    def forward(self, x, training=False):
        return self._check_input(x)

    def backward(self, grad_y, input_grad=True):
        return self._check_grad(grad_y).copy()


class Reshape(Layer):
    """Each sample reshaped to ``target_shape`` (one entry may be -1: worked out from
    the size), in row-major order as Keras: (N, *shape) -> (N, *target_shape).
    Backward: dL/dy reshaped back to the input's shape."""
    independent_samples = True

    def __init__(self, target_shape, name=None, input_shape=None, **keras_only):
        super().__init__(name, input_shape)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1 or any(
                d < 1 and d != -1 for d in self.target_shape):
            raise ValueError(f"{self.name} (Reshape): target_shape holds positive sizes and at "
                             f"most one -1, got {target_shape!r}")

    def get_config(self):
        return {"name": self.name, "target_shape": self.target_shape}

    def compute_output_shape(self, input_shape):
        size, known = int(np.prod(input_shape)), int(np.prod([d for d in self.target_shape
                                                               if d != -1]))
        shape = tuple(size // known if d == -1 else d for d in self.target_shape)
        if int(np.prod(shape)) != size:
            raise ValueError(f"{self.name} (Reshape): cannot reshape a sample of shape "
                             f"{tuple(input_shape)} ({size} values) into {self.target_shape}")
        return shape

    def forward(self, x, training=False):
        x = self._check_input(x)
        return x.reshape((len(x),) + self.output_shape)

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        return grad_y.reshape((len(grad_y),) + self.input_shape)


class Permute(Layer):
    """The axes of each sample permuted: ``dims`` numbers them from 1 (the batch axis
    stays first), as Keras: Permute((2, 1)) swaps a sample's two axes.
    Backward: dL/dy permuted back by the inverse permutation."""
    independent_samples = True

    def __init__(self, dims, name=None, input_shape=None, **keras_only):
        super().__init__(name, input_shape)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"{self.name} (Permute): dims must be a permutation of 1..n, got "
                             f"{dims!r}")

    def get_config(self):
        return {"name": self.name, "dims": self.dims}

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims):
            raise ValueError(f"{self.name} (Permute): dims {self.dims} for samples of shape "
                             f"{tuple(input_shape)}")
        return tuple(input_shape[d - 1] for d in self.dims)

    def forward(self, x, training=False):
        return np.transpose(self._check_input(x), (0,) + self.dims)

    def backward(self, grad_y, input_grad=True):
        return np.transpose(self._check_grad(grad_y), np.argsort((0,) + self.dims))


def edge_pairs(owner, arg, value):
    """Keras's 2-D padding or cropping: n, (rows, columns) or ((top, bottom), (left, right))
    -> (top, bottom, left, right), non-negative ints."""
    try:
        if np.ndim(value) == 0:
            pairs = ((value, value), (value, value))
        elif np.ndim(value) == 1 and len(value) == 2:
            pairs = ((value[0], value[0]), (value[1], value[1]))
        else:
            pairs = tuple(tuple(p) for p in value)
        edges = tuple(int(v) for pair in pairs for v in pair)
        if len(edges) != 4 or any(v < 0 or v != float(v) for v in edges):
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: {arg} must be an int, (rows, columns) or ((top, bottom), "
                         f"(left, right)) of non-negative ints, got {value!r}") from None
    return edges


def _image_shape(layer, input_shape):
    if len(input_shape) != 3:
        raise ValueError(f"{layer.name} ({type(layer).__name__}): expects images (height, width, "
                         f"channels), got per-sample shape {tuple(input_shape)}")
    return input_shape


class ZeroPadding2D(Layer):
    """Rows and columns of zeros around each image: (N, H, W, C) -> (N, top + H +
    bottom, left + W + right, C). Backward: dL/dy with the padding cut off."""
    independent_samples = True

    def __init__(self, padding=(1, 1), name=None, input_shape=None, data_format=None,
                 **keras_only):
        super().__init__(name, input_shape)
        self.padding = edge_pairs(self.name, "padding", padding)
        check_choice(self.name, "data_format", data_format, (None, "channels_last"))

    def get_config(self):
        top, bottom, left, right = self.padding
        return {"name": self.name, "padding": ((top, bottom), (left, right))}

    def compute_output_shape(self, input_shape):
        h, w, c = _image_shape(self, input_shape)
        top, bottom, left, right = self.padding
        return h + top + bottom, w + left + right, c

    def forward(self, x, training=False):
        return pad_hw(self._check_input(x), self.padding)

    def backward(self, grad_y, input_grad=True):
        return unpad_hw(self._check_grad(grad_y), self.padding).copy()


class Cropping2D(Layer):
    """Rows and columns cut off each image's edges: (N, H, W, C) -> (N, H - top -
    bottom, W - left - right, C). Backward: dL/dy padded back with zeros."""
    independent_samples = True

    def __init__(self, cropping=((0, 0), (0, 0)), name=None, input_shape=None, data_format=None,
                 **keras_only):
        super().__init__(name, input_shape)
        self.cropping = edge_pairs(self.name, "cropping", cropping)
        check_choice(self.name, "data_format", data_format, (None, "channels_last"))

    def get_config(self):
        top, bottom, left, right = self.cropping
        return {"name": self.name, "cropping": ((top, bottom), (left, right))}

    def compute_output_shape(self, input_shape):
        h, w, c = _image_shape(self, input_shape)
        top, bottom, left, right = self.cropping
        if top + bottom >= h or left + right >= w:
            raise ValueError(f"{self.name} (Cropping2D): cropping {self.cropping} leaves nothing "
                             f"of images of {h}x{w}")
        return h - top - bottom, w - left - right, c

    def forward(self, x, training=False):
        return unpad_hw(self._check_input(x), self.cropping).copy()

    def backward(self, grad_y, input_grad=True):
        return pad_hw(self._check_grad(grad_y), self.cropping)


class UpSampling2D(Layer):
    """Each pixel repeated size[0] times down and size[1] times across ("nearest",
    Keras's default): (N, H, W, C) -> (N, H * sh, W * sw, C).
    Backward: each input pixel gets the sum of dL/dy over its sh x sw block."""
    independent_samples = True

    def __init__(self, size=(2, 2), interpolation="nearest", name=None, input_shape=None,
                 data_format=None, **keras_only):
        super().__init__(name, input_shape)
        size = (size, size) if np.ndim(size) == 0 else tuple(size)
        self.size = tuple(check_positive_int(self.name, "size", s) for s in size)
        self.interpolation = check_choice(self.name, "interpolation", interpolation,
                                          ("nearest",))
        check_choice(self.name, "data_format", data_format, (None, "channels_last"))

    def get_config(self):
        return {"name": self.name, "size": self.size, "interpolation": self.interpolation}

    def compute_output_shape(self, input_shape):
        h, w, c = _image_shape(self, input_shape)
        return h * self.size[0], w * self.size[1], c

    def forward(self, x, training=False):
        x = self._check_input(x)
        return x.repeat(self.size[0], axis=1).repeat(self.size[1], axis=2)

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        (sh, sw), (h, w, c) = self.size, self.input_shape
        return grad_y.reshape(len(grad_y), h, sh, w, sw, c).sum(axis=(2, 4))
