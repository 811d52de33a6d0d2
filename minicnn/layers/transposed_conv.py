"""Conv2DTranspose: the convolution run backwards, to go up in size (decoders,
autoencoders, segmentation): what Conv2D's backward does to a gradient, done to an image."""
import numpy as np

from minicnn import activations, regularizers
from minicnn.arguments import as_pair, check_choice, check_positive_int
from minicnn.layers.base import Layer, keras_default_only, options_config, weight_options
from minicnn.layers.conv import ONE, WEIGHT_OPTIONS
from minicnn.ops.reference import col2im, im2col
from minicnn.ops.windows import pad_hw, sliding_window_shape, unpad_hw
from minicnn.seeding import make_rng


class Conv2DTranspose(Layer):
    """Transposed 2-D convolution on NHWC batches (Keras's Conv2DTranspose).

    x: (N, H, W, C) -> y: (N, H', W', F) with, per axis (Keras's sizes),
        valid: H' = H * sh + max(kh - sh, 0)
        same:  H' = H * sh
    params: W (kh, kw, F, C), Keras's layout (filters before input channels); b (F,).

    It is the adjoint of a Conv2D with the same kernel, strides and padding that
    maps (H', W', F) to (H, W, C): each input pixel spreads its kernel-weighted
    values over a kh x kw patch of the output, patches sh apart, overlaps added.

    Forward:  cols = x2 @ W2.T                x2 = x (N*H*W, C), W2 = W (kh*kw*F, C)
              z    = unpad(col2im(cols)) + b  col2im: Conv2D's backward, adding overlaps
              y    = act(z)
    Backward: dz = act'(dy);  cols' = im2col(pad(dz))   (N*H*W, kh*kw*F): a convolution
              dx = cols' @ W2,  dW2 = cols'.T @ x2,  db = sum of dz over N, H', W'
    The textbook im2col and col2im (ops/reference.py) do the work: not a hot layer.
    """
    independent_samples = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, name=None, seed=None,
                 input_shape=None, **keras_only):
        super().__init__(name, input_shape)
        self.filters = check_positive_int(self.name, "filters", filters)
        self.kernel_size = as_pair(self.name, "kernel_size", kernel_size)
        self.strides = as_pair(self.name, "strides", strides)
        self.padding = check_choice(self.name, "padding", str(padding).lower(),
                                    ("valid", "same"))
        self.activation = check_choice(self.name, "activation", activations.name_of(activation),
                                       activations.ACTIVATIONS)
        self.use_bias, self.seed = bool(use_bias), seed
        self.regularizers = weight_options(
            self, {"kernel_initializer": kernel_initializer, "bias_initializer": bias_initializer},
            {"kernel_regularizer": (kernel_regularizer, "W"),
             "bias_regularizer": (bias_regularizer, "b" if self.use_bias else None)})
        keras_default_only(self, output_padding=(output_padding, (None,)),
                           data_format=(data_format, (None, "channels_last")),
                           dilation_rate=(dilation_rate, ONE),
                           activity_regularizer=(activity_regularizer, (None,)))
        self.constraints = regularizers.constraint_options(
            self, {"kernel_constraint": (kernel_constraint, "W"),
                   "bias_constraint": (bias_constraint, "b" if self.use_bias else None)})

    def get_config(self):
        return {"name": self.name, "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "activation": self.activation, "use_bias": self.use_bias,
                **options_config(self, WEIGHT_OPTIONS)}

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expects per-sample input (height, width, channels), "
                             f"got shape {tuple(input_shape)}")
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        h, w, _ = input_shape
        if self.padding == "same":
            return h * sh, w * sw, self.filters
        return h * sh + max(kh - sh, 0), w * sw + max(kw - sw, 0), self.filters

    def build(self, input_shape, dtype=np.float32):
        output_shape = super().build(input_shape, dtype)
        # the pads of the Conv2D this layer is the adjoint of (from its output to its input)
        _, self.pads = sliding_window_shape(self.name, output_shape, self.kernel_size,
                                            self.strides, self.padding)
        return output_shape

    def param_shapes(self, input_shape):
        shapes = {"W": self.kernel_size + (self.filters, input_shape[2])}
        return {**shapes, "b": (self.filters,)} if self.use_bias else shapes

    def init_params(self, input_shape):
        rng = make_rng(self.seed)
        return {key: (self.kernel_initializer if key == "W" else self.bias_initializer)(
            shape, np.float64, rng) for key, shape in self.param_shapes(input_shape).items()}

    def _geometry(self):
        """(kh, kw, sh, sw, H, W, the padded output's shape for a batch of one)."""
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        h, w, _ = self.input_shape
        top, bottom, left, right = self.pads
        out_h, out_w, f = self.output_shape
        return kh, kw, sh, sw, h, w, (out_h + top + bottom, out_w + left + right, f)

    def forward(self, x, training=False):
        self.x = self._check_input(x)
        kh, kw, sh, sw, h, w, padded = self._geometry()
        c = self.input_shape[2]
        cols = self.x.reshape(-1, c) @ self.params["W"].reshape(-1, c).T
        self.z = unpad_hw(col2im(cols, (len(self.x),) + padded, kh, kw, sh, sw, h, w), self.pads)
        if self.use_bias:
            self.z = self.z + self.params["b"]
        self.y = activations.forward(self.activation, self.z)
        return self.y

    def backward(self, grad_y, input_grad=True):
        grad_z = activations.backward(self.activation, self._check_grad(grad_y), self.y, self.z)
        kh, kw, sh, sw, h, w, _ = self._geometry()
        c = self.input_shape[2]
        cols = im2col(pad_hw(np.ascontiguousarray(grad_z), self.pads), kh, kw, sh, sw, h, w)
        self.grads["W"] = (cols.T @ self.x.reshape(-1, c)).reshape(self.params["W"].shape)
        if self.use_bias:
            self.grads["b"] = grad_z.sum(axis=(0, 1, 2))
        if not input_grad:
            return None
        return (cols @ self.params["W"].reshape(-1, c)).reshape(self.x.shape)
