"""Normalisations within each sample (unlike BatchNormalization, across the batch):
LayerNormalization (ConvNeXt, transformers), GroupNormalization (groups of channels)
and UnitNormalization (each vector to length 1). A sample's output depends on that
sample alone, in training and inference alike: no running statistics."""
import numpy as np

from minicnn.arguments import check_number, check_positive_int
from minicnn.layers.base import Layer, options_config, weight_options

OPTIONS = {"beta_initializer": "zeros", "gamma_initializer": "ones",
           "beta_regularizer": None, "gamma_regularizer": None}


def normalize(x, axes, epsilon):
    """xhat = (x - mean) / sqrt(var + epsilon), mean and (biased) var over ``axes``;
    returns (xhat, 1 / sqrt(var + epsilon)) for the backward."""
    mean = x.mean(axis=axes, keepdims=True)
    inverse = 1 / np.sqrt(x.var(axis=axes, keepdims=True) + epsilon)
    return (x - mean) * inverse, inverse


def normalize_backward(grad_xhat, xhat, inverse, axes):
    """dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) * inverse, means over
    ``axes`` (mean and var depend on every x they were taken over)."""
    return (grad_xhat - grad_xhat.mean(axis=axes, keepdims=True)
            - xhat * (grad_xhat * xhat).mean(axis=axes, keepdims=True)) * inverse


class ScaledNormalization(Layer):
    """What LayerNormalization and GroupNormalization share: y = gamma * xhat + beta,
    gamma and beta (C,) on the last axis (each optional: scale=, center=)."""
    independent_samples = True

    def __init__(self, epsilon, center, scale, beta_initializer, gamma_initializer,
                 beta_regularizer, gamma_regularizer, name, input_shape):
        super().__init__(name, input_shape)
        self.epsilon = check_number(self.name, "epsilon", epsilon, low=0, low_open=True)
        self.center, self.scale = bool(center), bool(scale)
        self.regularizers = weight_options(
            self, {"beta_initializer": beta_initializer, "gamma_initializer": gamma_initializer},
            {"beta_regularizer": (beta_regularizer, "beta" if self.center else None),
             "gamma_regularizer": (gamma_regularizer, "gamma" if self.scale else None)})

    def param_shapes(self, input_shape):
        shape = (input_shape[-1],)
        return {**({"gamma": shape} if self.scale else {}), **({"beta": shape} if self.center
                                                               else {})}

    def init_params(self, input_shape):
        made = {"gamma": self.gamma_initializer, "beta": self.beta_initializer}
        return {key: made[key](shape, np.float64, None)
                for key, shape in self.param_shapes(input_shape).items()}

    def scale_and_shift(self, xhat):
        y = xhat * self.params["gamma"] if self.scale else xhat
        return y + self.params["beta"] if self.center else y

    def parameter_gradients(self, grad_y, xhat):
        """Fill dgamma = sum(dy * xhat), dbeta = sum(dy) over all but the channels;
        return dxhat = dy * gamma."""
        every_but_channels = tuple(range(grad_y.ndim - 1))
        if self.scale:
            self.grads["gamma"] = (grad_y * xhat).sum(axis=every_but_channels)
        if self.center:
            self.grads["beta"] = grad_y.sum(axis=every_but_channels)
        return grad_y * self.params["gamma"] if self.scale else grad_y


class LayerNormalization(ScaledNormalization):
    """Each sample normalised over its last axis (``axis``; Keras's default):
    xhat = (x - mean) / sqrt(var + epsilon), y = gamma * xhat + beta, gamma and beta
    one per channel. For images (N, H, W, C): each pixel's C channels normalised.
    Backward: dxhat = dy * gamma; dx = (dxhat - mean(dxhat) - xhat * mean(dxhat *
    xhat)) / sqrt(var + epsilon), means over the axis; dgamma = sum(dy * xhat),
    dbeta = sum(dy) over the batch and the other axes."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 name=None, input_shape=None, **keras_only):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, name, input_shape)
        if axis not in (-1, [-1], (-1,)) or rms_scaling:
            raise ValueError(f"{self.name} (LayerNormalization): minicnn normalises over the "
                             f"last axis (axis=-1, rms_scaling=False), got axis={axis!r}, "
                             f"rms_scaling={rms_scaling!r}")
        self.axis = -1

    def get_config(self):
        return {"name": self.name, "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, **options_config(self, OPTIONS)}

    def forward(self, x, training=False):
        x = self._check_input(x)
        self.xhat, self.inverse = normalize(x, -1, self.dtype.type(self.epsilon))
        return self.scale_and_shift(self.xhat)

    def backward(self, grad_y, input_grad=True):
        grad_xhat = self.parameter_gradients(self._check_grad(grad_y), self.xhat)
        return normalize_backward(grad_xhat, self.xhat, self.inverse, -1) if input_grad else None


class GroupNormalization(ScaledNormalization):
    """The channels of each sample split into ``groups`` groups of C / groups; each
    group normalised over its channels and every position (for images: H * W * C /
    groups values), then y = gamma * xhat + beta per channel. groups=1 normalises a
    whole image at once; groups=C each channel (instance normalisation).
    Backward as LayerNormalization's, the means over the group's values."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 name=None, input_shape=None, **keras_only):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, name, input_shape)
        self.groups = check_positive_int(self.name, "groups", groups)
        if axis != -1:
            raise ValueError(f"{self.name} (GroupNormalization): minicnn groups the last axis "
                             f"(axis=-1), got {axis!r}")
        self.axis = -1

    def get_config(self):
        return {"name": self.name, "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                **options_config(self, OPTIONS)}

    def compute_output_shape(self, input_shape):
        if input_shape[-1] % self.groups:
            raise ValueError(f"{self.name} (GroupNormalization): {input_shape[-1]} channels do "
                             f"not split into {self.groups} groups")
        return input_shape

    def _grouped(self, x):
        """(N, ..., C) -> (N, ..., groups, C / groups), and the axes a group spans."""
        shape = x.shape[:-1] + (self.groups, x.shape[-1] // self.groups)
        return x.reshape(shape), tuple(range(1, x.ndim - 1)) + (x.ndim,)

    def forward(self, x, training=False):
        x = self._check_input(x)
        grouped, self.axes = self._grouped(x)
        xhat, self.inverse = normalize(grouped, self.axes, self.dtype.type(self.epsilon))
        self.xhat = xhat.reshape(x.shape)
        return self.scale_and_shift(self.xhat)

    def backward(self, grad_y, input_grad=True):
        grad_xhat = self.parameter_gradients(self._check_grad(grad_y), self.xhat)
        if not input_grad:
            return None
        grouped, _ = self._grouped(grad_xhat)
        xhat, _ = self._grouped(self.xhat)
        return normalize_backward(grouped, xhat, self.inverse, self.axes).reshape(grad_xhat.shape)


class UnitNormalization(Layer):
    """Each vector along ``axis`` (the last) scaled to length 1:
    y = x / sqrt(max(sum(x^2), 1e-12)). Backward: dL/dx = (dL/dy - y * sum(dL/dy * y))
    / length (the part of dL/dy along y does not change y)."""
    independent_samples = True

    def __init__(self, axis=-1, name=None, input_shape=None, **keras_only):
        super().__init__(name, input_shape)
        if axis != -1:
            raise ValueError(f"{self.name} (UnitNormalization): minicnn normalises the last "
                             f"axis (axis=-1), got {axis!r}")
        self.axis = -1

    def get_config(self):
        return {"name": self.name, "axis": self.axis}

    def forward(self, x, training=False):
        x = self._check_input(x)
        self.length = np.sqrt(np.maximum((x * x).sum(axis=-1, keepdims=True), 1e-12))
        self.y = x / self.length
        return self.y

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        return (grad_y - self.y * (grad_y * self.y).sum(axis=-1, keepdims=True)) / self.length
