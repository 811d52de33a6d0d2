"""Conv2D: convolution as im2col + one matrix product."""
import numpy as np

from minicnn import kernels
from minicnn.layers.base import (Layer, as_pair, check_choice, glorot_uniform, pad_hw,
                                 sliding_window_shape, unpad_hw)
from minicnn.seeding import make_rng


class Conv2D(Layer):
    """2-D convolution (strictly, cross-correlation, as in Keras) on NHWC batches.

    x: (N, H, W, C) -> y: (N, H', W', F) with, per axis,
        valid: H' = (H - kh) // sh + 1
        same:  H' = ceil(H / sh)   (TensorFlow's padding; extra row at the bottom)
    params: W (kh, kw, C, F), Keras's kernel layout; b (F,).

    Forward:  cols = im2col(pad(x))         (N*H'*W', kh*kw*C)
              y    = act(cols @ W2 + b)     W2 = W.reshape(kh*kw*C, F); act: relu or identity
    Backward: dz   = act'(dy)               dy where y > 0, for relu
              dW2  = cols.T @ dz,   db = sum of dz over N, H', W'
              dx   = unpad(col2im(dz @ W2.T))
    The bias and activation around the matrix products run as fused kernels
    (kernels.bias_relu, kernels.relu_bias_backward).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", activation=None,
                 use_bias=True, name=None, seed=None):
        super().__init__(name)
        if not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise ValueError(f"{self.name}: filters must be a positive int, got {filters!r}")
        self.filters = int(filters)
        self.kernel_size = as_pair(self.name, "kernel_size", kernel_size)
        self.strides = as_pair(self.name, "strides", strides)
        self.padding = check_choice(self.name, "padding", padding, ("valid", "same"))
        self.activation = check_choice(self.name, "activation", activation,
                                       (None, "linear", "relu"))
        self.use_bias = bool(use_bias)
        self.seed = seed

    def get_config(self):
        return {"name": self.name, "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "activation": self.activation, "use_bias": self.use_bias}

    def compute_output_shape(self, input_shape):
        (out_h, out_w), self.pads = sliding_window_shape(self.name, input_shape, self.kernel_size,
                                                         self.strides, self.padding)
        return out_h, out_w, self.filters

    def init_params(self, input_shape):
        kh, kw = self.kernel_size
        c = input_shape[2]
        rng = make_rng(self.seed)
        params = {"W": glorot_uniform(rng, (kh, kw, c, self.filters),
                                      fan_in=kh * kw * c, fan_out=kh * kw * self.filters)}
        if self.use_bias:
            params["b"] = np.zeros(self.filters)
        return params

    def forward(self, x, training=False):
        x = self._check_input(x)
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        out_h, out_w, f = self.output_shape
        x_padded = pad_hw(x, self.pads)
        self.padded_shape = x_padded.shape
        self.cols = kernels.im2col(x_padded, kh, kw, sh, sw, out_h, out_w)
        z = self.cols @ self.params["W"].reshape(-1, f)
        kernels.bias_relu(z, self._bias(), self.activation == "relu")  # in place
        self.y = z.reshape(len(x), out_h, out_w, f)
        return self.y

    def backward(self, grad_y):
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        out_h, out_w, f = self.output_shape
        grad_y = np.ascontiguousarray(grad_y, dtype=self.dtype).reshape(-1, f)
        grad_z, grad_b = kernels.relu_bias_backward(grad_y, self.y.reshape(-1, f),
                                                    self.activation == "relu", self.use_bias)
        self.grads["W"] = (self.cols.T @ grad_z).reshape(self.params["W"].shape)
        if self.use_bias:
            self.grads["b"] = grad_b
        if not self.needs_input_grad:
            return None
        grad_cols = grad_z @ self.params["W"].reshape(-1, f).T
        grad_padded = kernels.col2im(grad_cols, self.padded_shape, kh, kw, sh, sw, out_h, out_w)
        return unpad_hw(grad_padded, self.pads)

    def _bias(self):
        return self.params["b"] if self.use_bias else np.zeros(0, dtype=self.dtype)
