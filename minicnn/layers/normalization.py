"""BatchNormalization: each channel centred and scaled by the batch's statistics."""
import numpy as np

from minicnn.arguments import check_number
from minicnn.layers.base import Layer, keras_default_only, options_config, weight_options

# Keras's defaults for the arrays' options, as get_config writes them
OPTIONS = {"beta_initializer": "zeros", "gamma_initializer": "ones",
           "moving_mean_initializer": "zeros", "moving_variance_initializer": "ones",
           "beta_regularizer": None, "gamma_regularizer": None}


class BatchNormalization(Layer):
    """Batch normalization (Ioffe and Szegedy, 2015), as Keras computes it.

    x: (N, ..., C) -> y: the same shape. Each channel c (the axis ``axis``, the
    last by default) is normalised over everything else: for images (N, H, W, C),
    over the N*H*W values of that channel; for (N, D), over the N samples.

    Training (fit):   mean = the channel's mean over the batch   (m values)
                      var  = mean((x - mean)**2)                 (biased: / m, as Keras 3)
    Inference:        mean, var = moving_mean, moving_variance
    Both:             xhat = (x - mean) / sqrt(var + epsilon)
                      y    = gamma * xhat + beta
    After a training forward the running statistics move toward the batch's:
                      moving_mean     <- momentum * moving_mean + (1 - momentum) * mean
                      moving_variance <- momentum * moving_variance + (1 - momentum) * var
    (written by the training step, with the optimizer's update: ``state_updates``).

    Backward, training (mean and var depend on every x of the channel):
        dxhat  = dy * gamma
        dx     = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sqrt(var + epsilon)
        dgamma = sum(dy * xhat),  dbeta = sum(dy)    (sums and means over the m values)
    Backward, inference (mean and var are constants): dx = dy * gamma / sqrt(var + epsilon).

    params: gamma (if scale), beta (if center), each (C,); state: moving_mean,
    moving_variance (C,). get_weights lists them in that order, as Keras.
    A sample's output depends on the rest of its batch, so a batch is never
    computed in pieces (independent_samples = False).
    """

    independent_samples = False

    def __init__(self, axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, name=None, input_shape=None):
        super().__init__(name, input_shape)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or axis == 0:
            raise ValueError(f"{self.name}: axis must be an int other than 0 (the batch), "
                             f"got {axis!r}")
        self.axis = int(axis)
        self.momentum = check_number(self.name, "momentum", momentum, low=0, high=1)
        self.epsilon = check_number(self.name, "epsilon", epsilon, low=0, low_open=True)
        self.center, self.scale = bool(center), bool(scale)
        self.regularizers = weight_options(
            self, {"beta_initializer": beta_initializer, "gamma_initializer": gamma_initializer,
                   "moving_mean_initializer": moving_mean_initializer,
                   "moving_variance_initializer": moving_variance_initializer},
            {"gamma_regularizer": (gamma_regularizer, "gamma" if self.scale else None),
             "beta_regularizer": (beta_regularizer, "beta" if self.center else None)})
        keras_default_only(self, beta_constraint=(beta_constraint, (None,)),
                           gamma_constraint=(gamma_constraint, (None,)),
                           synchronized=(synchronized, (False,)))
        self.updates = {}

    def get_config(self):
        return {"name": self.name, "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                **options_config(self, OPTIONS)}

    # -- shapes ------------------------------------------------------------------
    def _channel_axis(self, input_shape):
        """The channel axis within a sample's shape (the batch axis left out)."""
        rank = len(input_shape) + 1
        if not -rank <= self.axis < rank:
            raise ValueError(f"{self.name}: axis {self.axis} is outside a batch of rank {rank}")
        return self.axis % rank - 1

    def build(self, input_shape, dtype=np.float32):
        output_shape = super().build(input_shape, dtype)
        channel = self._channel_axis(self.input_shape) + 1
        # x's axes summed over (all but the channel's), and the shape (C,) broadcasts to
        self.reduce_axes = tuple(a for a in range(len(self.input_shape) + 1) if a != channel)
        self.broadcast = tuple(-1 if a == channel else 1 for a in range(len(self.input_shape) + 1))
        return output_shape

    def param_shapes(self, input_shape):
        channels = (input_shape[self._channel_axis(input_shape)],)
        shapes = {"gamma": channels} if self.scale else {}
        return {**shapes, "beta": channels} if self.center else shapes

    def init_params(self, input_shape):
        made = {"gamma": self.gamma_initializer, "beta": self.beta_initializer}
        return {key: made[key](shape, np.float64) for key, shape in
                self.param_shapes(input_shape).items()}

    def state_shapes(self, input_shape):
        channels = (input_shape[self._channel_axis(input_shape)],)
        return {"moving_mean": channels, "moving_variance": channels}

    def init_state(self, input_shape):
        made = {"moving_mean": self.moving_mean_initializer,
                "moving_variance": self.moving_variance_initializer}
        return {key: made[key](shape, np.float64) for key, shape in
                self.state_shapes(input_shape).items()}

    def _channels(self, name):
        """gamma or beta shaped to broadcast over x (1 and 0 when scale or center is off)."""
        if name in self.params:
            return self.params[name].reshape(self.broadcast)
        return self.dtype.type(1 if name == "gamma" else 0)

    # -- forward and backward ------------------------------------------------------
    def forward(self, x, training=False):
        x = self._check_input(x)
        if training:
            mean = x.mean(axis=self.reduce_axes)
            var = ((x - mean.reshape(self.broadcast)) ** 2).mean(axis=self.reduce_axes)
            m = self.dtype.type(self.momentum)
            self.updates = {
                "moving_mean": m * self.state["moving_mean"] + (1 - m) * mean,
                "moving_variance": m * self.state["moving_variance"] + (1 - m) * var}
        else:
            mean, var = self.state["moving_mean"], self.state["moving_variance"]
            self.updates = {}
        self.training = bool(training)
        self.inv_std = (1 / np.sqrt(var + self.dtype.type(self.epsilon))).reshape(self.broadcast)
        self.xhat = (x - mean.reshape(self.broadcast)) * self.inv_std
        return self._channels("gamma") * self.xhat + self._channels("beta")

    def state_updates(self):
        """The running statistics after the last training forward (written by the step)."""
        return self.updates

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        if self.scale:
            self.grads["gamma"] = (grad_y * self.xhat).sum(axis=self.reduce_axes)
        if self.center:
            self.grads["beta"] = grad_y.sum(axis=self.reduce_axes)
        if not input_grad:
            return None
        grad_xhat = grad_y * self._channels("gamma")
        if not self.training:
            return grad_xhat * self.inv_std
        mean_grad = grad_xhat.mean(axis=self.reduce_axes, keepdims=True)
        mean_grad_xhat = (grad_xhat * self.xhat).mean(axis=self.reduce_axes, keepdims=True)
        return (grad_xhat - mean_grad - self.xhat * mean_grad_xhat) * self.inv_std
