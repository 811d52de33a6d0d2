"""Conv2D: convolution as im2col + one matrix product (and, for few filters,
the same arithmetic a few images at a time: see Conv2D.by_blocks)."""
import numpy as np

from minicnn import activations, kernels
from minicnn.arguments import as_pair, check_choice, check_positive_int
from minicnn.layers.base import Layer, glorot_uniform, pad_hw, sliding_window_shape, unpad_hw
from minicnn.seeding import make_rng


class Conv2D(Layer):
    """2-D convolution (strictly, cross-correlation, as in Keras) on NHWC batches.

    x: (N, H, W, C) -> y: (N, H', W', F) with, per axis,
        valid: H' = (H - kh) // sh + 1
        same:  H' = ceil(H / sh)   (TensorFlow's padding; extra row at the bottom)
    params: W (kh, kw, C, F), Keras's kernel layout; b (F,).

    Forward:  cols = im2col(pad(x))         (N*H'*W', kh*kw*C)
              z    = cols @ W2 + b          W2 = W.reshape(kh*kw*C, F)
              y    = act(z)
    Backward: dz   = act'(dy)               dy where y > 0, for relu
              dW2  = cols.T @ dz,   db = sum of dz over N, H', W'
              dx   = unpad(col2im(dz @ W2.T))
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

    # The rule for the two ways to compute the same thing. With few filters the
    # whole-batch im2col matrix (kh*kw times the input) is written and reread
    # for a product with at most 8 columns, where BLAS is slow: the layer then
    # runs kernels.conv_forward/conv_backward, which unfold a few images at a
    # time into a cache-sized block (kernels/conv_blocks.py). Measured with
    # benchmarks/train_step.py's layers, one thread: the X-ray model's first
    # layer 1.8x faster forward and 2.2x backward, the galaxy model's 1.3x and
    # 2.3x; with 32+ filters (MNIST) or output rows under 32 pixels (the galaxy
    # model's second layer) the whole-batch product was faster.
    BLOCKS_MAX_FILTERS = 8
    BLOCKS_MIN_ROW = 32

    @property
    def by_blocks(self):
        """Whether this layer computes by image blocks: ReLU or no activation, at
        most BLOCKS_MAX_FILTERS filters, output rows of BLOCKS_MIN_ROW or more."""
        return (self.activation in (None, "linear", "relu")
                and self.filters <= self.BLOCKS_MAX_FILTERS
                and self.output_shape[1] >= self.BLOCKS_MIN_ROW)

    def forward(self, x, training=False):
        x = self._check_input(x)
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        out_h, out_w, f = self.output_shape
        x_padded = pad_hw(x, self.pads)
        self.padded_shape = x_padded.shape
        if self.by_blocks:
            self.cols = None
            bias = self.params.get("b", np.zeros(0, self.dtype))
            y, self.saved = kernels.conv_forward(x_padded, self.params["W"], bias, sh, sw, out_h,
                                                 out_w, self.activation == "relu")
            self.y = self.z = y.reshape(-1, f)  # z: the pre-activation, when there is no ReLU
            return y
        self.cols = kernels.im2col(x_padded, kh, kw, sh, sw, out_h, out_w)
        self.z = kernels.matmul(self.cols, self.params["W"].reshape(-1, f))
        self.y = activations.bias_forward(self.activation, self.z, self.params.get("b"))
        return self.y.reshape(len(x), out_h, out_w, f)

    def backward(self, grad_y, input_grad=True):
        grad_y = np.ascontiguousarray(grad_y, dtype=self.dtype).reshape(self.y.shape)
        if self.cols is None:
            return self._backward_blocks(grad_y, self.activation == "relu", input_grad)
        grad_z, grad_b = activations.bias_backward(self.activation, grad_y, self.y, self.use_bias)
        return self._backward_linear(grad_z, grad_b, input_grad)

    def pre_activation(self):
        if self.activation == "relu":  # computed in place; z no longer exists
            return super().pre_activation()
        return self.z.reshape((-1,) + self.output_shape)

    def backward_from_pre_activation(self, grad_z, input_grad=True):
        grad_z = np.ascontiguousarray(grad_z, dtype=self.dtype).reshape(self.y.shape)
        if self.cols is None:
            return self._backward_blocks(grad_z, False, input_grad)
        return self._backward_linear(grad_z, grad_z.sum(axis=0) if self.use_bias else None,
                                     input_grad)

    def _backward_linear(self, grad_z, grad_b, input_grad):
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        out_h, out_w, f = self.output_shape
        self.grads["W"] = kernels.matmul_tn(self.cols, grad_z).reshape(self.params["W"].shape)
        if self.use_bias:
            self.grads["b"] = grad_b
        if not input_grad:
            return None
        grad_cols = kernels.matmul(grad_z, self.params["W"].reshape(-1, f).T)
        grad_padded = kernels.col2im(grad_cols, self.padded_shape, kh, kw, sh, sw, out_h, out_w)
        return unpad_hw(grad_padded, self.pads)

    def _backward_blocks(self, grad, relu, input_grad):
        out_h, out_w, f = self.output_shape
        grad = grad.reshape(-1, out_h, out_w, f)
        grad_w, grad_b, grad_padded = kernels.conv_backward(
            self.saved, self.params["W"], grad, self.y.reshape(grad.shape), *self.strides,
            relu, self.use_bias, input_grad)
        self.grads["W"] = grad_w
        if self.use_bias:
            self.grads["b"] = grad_b
        return unpad_hw(grad_padded, self.pads) if input_grad else None
