"""DepthwiseConv2D: each input channel convolved with kernels of its own, no sum over
channels (MobileNet's first half of a separable convolution; SeparableConv2D adds
the 1x1 half)."""
import numpy as np

from minicnn import activations, ops, regularizers
from minicnn.arguments import as_pair, check_choice, check_positive_int
from minicnn.layers.base import WindowLayer, keras_default_only, options_config, weight_options
from minicnn.layers.conv import ONE
from minicnn.seeding import make_rng


class DepthwiseConv2D(WindowLayer):
    """Depthwise 2-D convolution on NHWC batches.

    x: (N, H, W, C) -> y: (N, H', W', C*M), M = depth_multiplier; H', W' as Conv2D's.
    params: depthwise_kernel (kh, kw, C, M), Keras's layout; b (C*M,).

    Forward:  d = depthwise(x)       d[..., c*M + m] = channel c convolved with kernel[:, :, c, m]
              z = d + b,  y = act(z)
    Backward: dz = act'(dy); db = sum of dz over N, H', W';
              dx, d(kernel) = the depthwise op's backward (ops.depthwise2d_backward).
    The op is SeparableConv2D's first step (ops.depthwise2d_forward, on the ops ladder).
    """
    independent_samples = True

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, name=None, seed=None,
                 input_shape=None, **keras_only):
        super().__init__(name, input_shape)
        self.kernel_size = as_pair(self.name, "kernel_size", kernel_size)
        self.strides = as_pair(self.name, "strides", strides)
        self.padding = check_choice(self.name, "padding", str(padding).lower(),
                                    ("valid", "same"))
        self.depth_multiplier = check_positive_int(self.name, "depth_multiplier",
                                                   depth_multiplier)
        self.activation = check_choice(self.name, "activation", activations.name_of(activation),
                                       activations.ACTIVATIONS)
        self.use_bias, self.seed = bool(use_bias), seed
        self.regularizers = weight_options(
            self, {"depthwise_initializer": depthwise_initializer,
                   "bias_initializer": bias_initializer},
            {"depthwise_regularizer": (depthwise_regularizer, "depthwise_kernel"),
             "bias_regularizer": (bias_regularizer, "b" if self.use_bias else None)})
        keras_default_only(self, data_format=(data_format, (None, "channels_last")),
                           dilation_rate=(dilation_rate, ONE),
                           activity_regularizer=(activity_regularizer, (None,)))
        self.constraints = regularizers.constraint_options(
            self, {"depthwise_constraint": (depthwise_constraint, "depthwise_kernel"),
                   "bias_constraint": (bias_constraint, "b" if self.use_bias else None)})

    def get_config(self):
        defaults = {"depthwise_initializer": "glorot_uniform", "bias_initializer": "zeros",
                    "depthwise_regularizer": None, "bias_regularizer": None}
        return {"name": self.name, "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "depth_multiplier": self.depth_multiplier,
                "activation": self.activation, "use_bias": self.use_bias,
                **options_config(self, defaults)}

    @property
    def window(self):
        return self.kernel_size

    def output_channels(self, input_shape):
        return input_shape[2] * self.depth_multiplier

    def param_shapes(self, input_shape):
        shapes = {"depthwise_kernel": self.kernel_size + (input_shape[2], self.depth_multiplier)}
        return {**shapes, "b": (self.output_channels(input_shape),)} if self.use_bias else shapes

    def init_params(self, input_shape):
        rng = make_rng(self.seed)
        made = {"depthwise_kernel": self.depthwise_initializer, "b": self.bias_initializer}
        return {key: made[key](shape, np.float64, rng)
                for key, shape in self.param_shapes(input_shape).items()}

    def forward(self, x, training=False):
        x = self._check_input(x)
        self.z, self.cache = ops.depthwise2d_forward(x, self.params["depthwise_kernel"],
                                                     self.strides, self.pads)
        if self.use_bias:
            self.z = self.z + self.params["b"]
        self.y = activations.forward(self.activation, self.z)
        return self.y

    def backward(self, grad_y, input_grad=True):
        grad_z = activations.backward(self.activation, self._check_grad(grad_y), self.y, self.z)
        if self.use_bias:
            self.grads["b"] = grad_z.sum(axis=(0, 1, 2))
        grad_x, self.grads["depthwise_kernel"] = ops.depthwise2d_backward(
            np.ascontiguousarray(grad_z), self.cache, input_grad)
        return grad_x
