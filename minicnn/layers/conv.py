"""Conv2D: a window of weights slid over the image; im2col + one matrix product.
SeparableConv2D: the same in two steps, a window per channel, then a 1x1 convolution."""
import numpy as np

from minicnn import activations, ops, regularizers
from minicnn.arguments import as_pair, check_choice, check_positive_int
from minicnn.layers.base import WindowLayer, keras_default_only, options_config, weight_options
from minicnn.seeding import make_rng

# Keras's defaults for the weights' options, as get_config writes them
WEIGHT_OPTIONS = {"kernel_initializer": "glorot_uniform", "bias_initializer": "zeros",
                  "kernel_regularizer": None, "bias_regularizer": None}
ONE = (1, (1, 1), [1, 1])  # dilation_rate and groups: Keras's default, the only value minicnn has


class Conv2D(WindowLayer):
    """2-D convolution (strictly, cross-correlation, as in Keras) on NHWC batches.

    x: (N, H, W, C) -> y: (N, H', W', F) with, per axis,
        valid: H' = (H - kh) // sh + 1
        same:  H' = ceil(H / sh)   (TensorFlow's padding; the extra row at the bottom)
    params: W (kh, kw, C, F), Keras's kernel layout; b (F,).

    Forward:  z, cache = ops.conv2d_forward(x, W, b)   the convolution, one op:
                  cols = im2col(pad(x))     (N*H'*W', kh*kw*C)
                  z    = cols @ W2 + b      W2 = W.reshape(kh*kw*C, F)
              y = act(z)                       the activation, here in the layer
    Backward: dz = act'(dy)                    dy where y > 0, for relu
              dx, dW, db = ops.conv2d_backward(dz, cache):
                  dW2 = cols.T @ dz,   db = sum of dz over N, H', W'
                  dx  = unpad(col2im(dz @ W2.T))

    In textbook mode (``minicnn.set_ops("numpy")``) the op runs exactly the lines
    above (ops/reference.py); the fast ops compute the same numbers their own way.

    kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer:
    as in Dense (initializers.py, regularizers.py).
    """
    independent_samples = True  # one sample's output depends on that sample alone

    def __init__(self, filters, kernel_size, strides=1, padding="valid", activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, name=None, seed=None,
                 input_shape=None, data_format=None, dilation_rate=1, groups=1,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None):
        super().__init__(name, input_shape)
        self.filters = check_positive_int(self.name, "filters", filters)
        self.kernel_size = as_pair(self.name, "kernel_size", kernel_size)
        self.strides = as_pair(self.name, "strides", strides)
        self.padding = check_choice(self.name, "padding", str(padding).lower(), ("valid", "same"))
        self.activation = check_choice(self.name, "activation", activations.name_of(activation),
                                       activations.ACTIVATIONS)
        self.use_bias = bool(use_bias)
        self.seed = seed
        self.regularizers = weight_options(
            self, {"kernel_initializer": kernel_initializer, "bias_initializer": bias_initializer},
            {"kernel_regularizer": (kernel_regularizer, "W"),
             "bias_regularizer": (bias_regularizer, "b" if self.use_bias else None)})
        self.constraints = regularizers.constraint_options(
            self, {"kernel_constraint": (kernel_constraint, "W"),
                   "bias_constraint": (bias_constraint, "b" if self.use_bias else None)})
        keras_default_only(self, data_format=(data_format, (None, "channels_last")),
                           dilation_rate=(dilation_rate, ONE), groups=(groups, ONE),
                           activity_regularizer=(activity_regularizer, (None,)))

    def get_config(self):
        return {"name": self.name, "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "activation": self.activation, "use_bias": self.use_bias,
                **options_config(self, WEIGHT_OPTIONS)}

    @property
    def window(self):
        return self.kernel_size

    def output_channels(self, input_shape):
        return self.filters

    def param_shapes(self, input_shape):
        shapes = {"W": self.kernel_size + (input_shape[2], self.filters)}
        return {**shapes, "b": (self.filters,)} if self.use_bias else shapes

    def init_params(self, input_shape):
        rng = make_rng(self.seed)  # fans: kh*kw*C in, kh*kw*F out (initializers.compute_fans)
        return {key: (self.kernel_initializer if key == "W" else self.bias_initializer)(
            shape, np.float64, rng) for key, shape in self.param_shapes(input_shape).items()}

    def forward(self, x, training=False):
        """z = im2col(pad(x)) @ W2 + b (one op, ops.conv2d_forward); y = act(z)."""
        x = self._check_input(x)
        self.z, self.cache = ops.conv2d_forward(x, self.params["W"], self.params.get("b"),
                                                self.strides, self.pads)
        self.y = activations.forward(self.activation, self.z)
        return self.y

    def backward(self, grad_y, input_grad=True):
        """dz = act'(dy); then dx, dW, db from dz (backward_from_pre_activation)."""
        grad_z = activations.backward(self.activation, self._check_grad(grad_y), self.y, self.z)
        return self.backward_from_pre_activation(grad_z, input_grad)

    def pre_activation(self):
        """z of the last forward, before the activation: (N, H', W', F)."""
        return self.z

    def backward_from_pre_activation(self, grad_z, input_grad=True):
        """dW = cols.T @ dz, db = sum of dz, dx = col2im(dz @ W2.T): one op, ops.conv2d_backward."""
        grad_x, self.grads["W"], grad_b = ops.conv2d_backward(self._check_grad(grad_z),
                                                              self.cache, input_grad)
        if self.use_bias:
            self.grads["b"] = grad_b
        return grad_x


class SeparableConv2D(WindowLayer):
    """Depthwise separable 2-D convolution (Keras's SeparableConv2D): first each
    input channel is convolved with ``depth_multiplier`` kernels of its own (no
    sum over channels), then a 1x1 convolution mixes the C*M channels into F.
    Far fewer weights than Conv2D: kh*kw*C*M + C*M*F instead of kh*kw*C*F.

    x: (N, H, W, C) -> y: (N, H', W', F), H' and W' as Conv2D's (strides and
    padding apply to the depthwise step; the 1x1 step keeps the size).
    params: depthwise_kernel (kh, kw, C, M), pointwise_kernel (1, 1, C*M, F),
    b (F,), in Keras's order and layouts.

    Forward:  d = depthwise(x)              d[..., c*M + m] = x's channel c convolved
                                            with depthwise_kernel[:, :, c, m]
              z = d @ P + b                 P = pointwise_kernel.reshape(C*M, F)
              y = act(z)
    Backward: the 1x1 convolution's backward gives dP, db and dd; the depthwise
              one gives d(depthwise_kernel) and dx.

    Two ops (``ops.depthwise2d_forward`` and ``ops.conv2d_forward`` with a 1x1
    kernel), the activation between them and the output, and their backwards in
    reverse order.
    """
    independent_samples = True  # one sample's output depends on that sample alone

    def __init__(self, filters, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 name=None, seed=None, input_shape=None, data_format=None, dilation_rate=1,
                 activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None):
        super().__init__(name, input_shape)
        self.filters = check_positive_int(self.name, "filters", filters)
        self.kernel_size = as_pair(self.name, "kernel_size", kernel_size)
        self.strides = as_pair(self.name, "strides", strides)
        self.padding = check_choice(self.name, "padding", str(padding).lower(), ("valid", "same"))
        self.depth_multiplier = check_positive_int(self.name, "depth_multiplier",
                                                   depth_multiplier)
        self.activation = check_choice(self.name, "activation", activations.name_of(activation),
                                       activations.ACTIVATIONS)
        self.use_bias = bool(use_bias)
        self.seed = seed
        self.regularizers = weight_options(
            self, {"depthwise_initializer": depthwise_initializer,
                   "pointwise_initializer": pointwise_initializer,
                   "bias_initializer": bias_initializer},
            {"depthwise_regularizer": (depthwise_regularizer, "depthwise_kernel"),
             "pointwise_regularizer": (pointwise_regularizer, "pointwise_kernel"),
             "bias_regularizer": (bias_regularizer, "b" if self.use_bias else None)})
        keras_default_only(self, data_format=(data_format, (None, "channels_last")),
                           dilation_rate=(dilation_rate, ONE),
                           activity_regularizer=(activity_regularizer, (None,)),
                           depthwise_constraint=(depthwise_constraint, (None,)),
                           pointwise_constraint=(pointwise_constraint, (None,)),
                           bias_constraint=(bias_constraint, (None,)))

    def get_config(self):
        defaults = {"depthwise_initializer": "glorot_uniform",
                    "pointwise_initializer": "glorot_uniform", "bias_initializer": "zeros",
                    "depthwise_regularizer": None, "pointwise_regularizer": None,
                    "bias_regularizer": None}
        return {"name": self.name, "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "depth_multiplier": self.depth_multiplier, "activation": self.activation,
                "use_bias": self.use_bias, **options_config(self, defaults)}

    @property
    def window(self):
        return self.kernel_size

    def output_channels(self, input_shape):
        return self.filters

    def param_shapes(self, input_shape):
        channels = input_shape[2] * self.depth_multiplier
        shapes = {"depthwise_kernel": self.kernel_size + (input_shape[2], self.depth_multiplier),
                  "pointwise_kernel": (1, 1, channels, self.filters)}
        return {**shapes, "b": (self.filters,)} if self.use_bias else shapes

    def init_params(self, input_shape):
        rng = make_rng(self.seed)
        made = {"depthwise_kernel": self.depthwise_initializer,
                "pointwise_kernel": self.pointwise_initializer, "b": self.bias_initializer}
        return {key: made[key](shape, np.float64, rng)
                for key, shape in self.param_shapes(input_shape).items()}

    def forward(self, x, training=False):
        x = self._check_input(x)
        d, self.depthwise_cache = ops.depthwise2d_forward(x, self.params["depthwise_kernel"],
                                                          self.strides, self.pads)
        self.z, self.pointwise_cache = ops.conv2d_forward(d, self.params["pointwise_kernel"],
                                                          self.params.get("b"), (1, 1),
                                                          (0, 0, 0, 0))
        self.y = activations.forward(self.activation, self.z)
        return self.y

    def backward(self, grad_y, input_grad=True):
        grad_z = activations.backward(self.activation, self._check_grad(grad_y), self.y, self.z)
        return self.backward_from_pre_activation(grad_z, input_grad)

    def pre_activation(self):
        """z of the last forward, before the activation: (N, H', W', F)."""
        return self.z

    def backward_from_pre_activation(self, grad_z, input_grad=True):
        grad_d, self.grads["pointwise_kernel"], grad_b = ops.conv2d_backward(
            self._check_grad(grad_z), self.pointwise_cache)
        if self.use_bias:
            self.grads["b"] = grad_b
        grad_x, self.grads["depthwise_kernel"] = ops.depthwise2d_backward(
            grad_d, self.depthwise_cache, input_grad)
        return grad_x
