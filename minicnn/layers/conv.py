"""Conv2D: a window of weights slid over the image; im2col + one matrix product."""
import numpy as np

from minicnn import activations, ops
from minicnn.arguments import as_pair, check_choice, check_positive_int
from minicnn.layers.base import Layer, glorot_uniform
from minicnn.ops.windows import sliding_window_shape
from minicnn.seeding import make_rng


class Conv2D(Layer):
    """2-D convolution (strictly, cross-correlation, as in Keras) on NHWC batches.

    x: (N, H, W, C) -> y: (N, H', W', F) with, per axis,
        valid: H' = (H - kh) // sh + 1
        same:  H' = ceil(H / sh)   (TensorFlow's padding; the extra row at the bottom)
    params: W (kh, kw, C, F), Keras's kernel layout; b (F,).

    Forward:  cols = im2col(pad(x))         (N*H'*W', kh*kw*C)
              z    = cols @ W2 + b          W2 = W.reshape(kh*kw*C, F)
              y    = act(z)
    Backward: dz   = act'(dy)               dy where y > 0, for relu
              dW2  = cols.T @ dz,   db = sum of dz over N, H', W'
              dx   = unpad(col2im(dz @ W2.T))

    Both run as one op each (``ops.conv2d_forward``, ``ops.conv2d_backward``):
    in textbook mode (``minicnn.set_ops("numpy")``) exactly the lines above
    (ops/reference.py); the fast ops compute the same numbers their own way.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", activation=None,
                 use_bias=True, name=None, seed=None, input_shape=None):
        super().__init__(name, input_shape)
        self.filters = check_positive_int(self.name, "filters", filters)
        self.kernel_size = as_pair(self.name, "kernel_size", kernel_size)
        self.strides = as_pair(self.name, "strides", strides)
        self.padding = check_choice(self.name, "padding", padding, ("valid", "same"))
        self.activation = check_choice(self.name, "activation", activation, activations.ACTIVATIONS)
        self.use_bias = bool(use_bias)
        self.seed = seed

    def get_config(self):
        return {"name": self.name, "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "activation": self.activation, "use_bias": self.use_bias}

    def _geometry(self, input_shape):
        return sliding_window_shape(self.name, input_shape, self.kernel_size, self.strides,
                                    self.padding)

    def compute_output_shape(self, input_shape):
        (out_h, out_w), _ = self._geometry(input_shape)
        return out_h, out_w, self.filters

    def build(self, input_shape, dtype=np.float32):
        output_shape = super().build(input_shape, dtype)
        _, self.pads = self._geometry(self.input_shape)
        return output_shape

    def multiply_adds(self):
        out_h, out_w, f = self.output_shape
        return out_h * out_w * self.kernel_size[0] * self.kernel_size[1] * self.input_shape[2] * f

    def param_shapes(self, input_shape):
        shapes = {"W": self.kernel_size + (input_shape[2], self.filters)}
        return {**shapes, "b": (self.filters,)} if self.use_bias else shapes

    def init_params(self, input_shape):
        kh, kw, c, f = self.param_shapes(input_shape)["W"]
        rng = make_rng(self.seed)
        params = {"W": glorot_uniform(rng, (kh, kw, c, f), fan_in=kh * kw * c, fan_out=kh * kw * f)}
        if self.use_bias:
            params["b"] = np.zeros(f)
        return params

    def forward(self, x, training=False):
        x = self._check_input(x)
        y, self.cache = ops.conv2d_forward(x, self.params["W"], self.params.get("b"),
                                           self.strides, self.pads, self.activation)
        return y

    def backward(self, grad_y, input_grad=True):
        grad_x, self.grads["W"], grad_b = ops.conv2d_backward(self._check_grad(grad_y),
                                                              self.cache, input_grad)
        if self.use_bias:
            self.grads["b"] = grad_b
        return grad_x

    def pre_activation(self):
        """z of the last forward, before the activation: (N, H', W', F)."""
        return ops.conv2d_pre_activation(self.cache)

    def backward_from_pre_activation(self, grad_z, input_grad=True):
        grad_x, self.grads["W"], grad_b = ops.conv2d_backward(
            self._check_grad(grad_z), self.cache, input_grad, from_pre_activation=True)
        if self.use_bias:
            self.grads["b"] = grad_b
        return grad_x
