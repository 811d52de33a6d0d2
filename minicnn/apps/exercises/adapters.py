"""The student's functions dressed as minicnn's: each adapter takes the simple
contract of an exercise (one stride, one padding, class indices, a cache of the
student's own making) and offers the contract minicnn calls.

Two kinds, both installed and removed by plug.py:
  - ops (ops/__init__.py's contract): convolution and max-pooling, given to
    ``minicnn.ops.plug``;
  - methods of minicnn's classes (Dense, Activation, Dropout, the softmax loss,
    SGD, Adam, Sequential.train_step), set on the class while in use.
Everything an adapter returns is cast to the model's dtype (a student's function
may well compute in float64), so the model around it runs as it always does.
"""
from collections import namedtuple

import numpy as np

from minicnn import activations
from minicnn.ops import reference
from minicnn.ops.windows import pad_hw, unpad_hw

# What the conv and pool ops keep between forward and backward.
ConvCache = namedtuple("ConvCache", "theirs pads with_bias activation activation_cache z")
PoolCache = namedtuple("PoolCache", "theirs pads")


def missing(backward, forward):
    return RuntimeError(f"exercises.use: {forward} is yours but there is no {backward} to go "
                        f"with it, so the model can run forward (predict, evaluate) but not "
                        f"backward; plug in {backward} too to train")


def one_number(owner, name, pair):
    """The exercises take one stride and one pool size for both axes."""
    if pair[0] != pair[1]:
        raise ValueError(f"exercises.use: your {owner} takes one {name} for both axes; this "
                         f"layer has {name} {tuple(pair)}")
    return int(pair[0])


def even_pads(pads):
    """(pad for the student's function, pads applied around it): the same padding
    on every side goes to the student's code; TensorFlow's uneven 'same' padding
    is applied here instead, and the student's function sees pad=0."""
    return (pads[0], (0, 0, 0, 0)) if len(set(pads)) == 1 else (0, tuple(pads))


class Activation:
    """The activation after a layer's linear part: the student's ReLU when given,
    else minicnn's (activations.py, whose backward reads the output y)."""

    def __init__(self, relu_forward=None, relu_backward=None):
        self.relu_forward, self.relu_backward = relu_forward, relu_backward

    def forward(self, name, z):
        """(y, what backward needs)."""
        if name == "relu" and self.relu_forward is not None:
            y, cache = self.relu_forward(z)
            return np.asarray(y, z.dtype), cache
        y = activations.forward(name, z)
        return y, y

    def backward(self, name, grad_y, cache):
        if name == "relu" and self.relu_forward is not None:
            if self.relu_backward is None:
                raise missing("relu_backward", "relu_forward")
            return np.asarray(self.relu_backward(grad_y, cache), grad_y.dtype)
        return activations.backward(name, grad_y, cache)


def textbook_conv():
    """minicnn's own convolution, without activation, in the exercises' contract:
    the linear part of a Conv2D whose ReLU alone is the student's."""
    def forward(x, w, b, stride, pad):
        return reference.conv2d_forward(x, w, b, (stride, stride), (pad,) * 4)

    def backward(dout, cache):
        return reference.conv2d_backward(dout, cache, from_pre_activation=True)
    return forward, backward


def conv_ops(conv_forward, conv_backward, activation):
    """conv2d_forward, conv2d_backward and conv2d_pre_activation (ops/__init__.py's
    contract) running the student's convolution and activation."""
    def conv2d_forward(x, w, b, strides, pads, activation_name=None):
        stride = one_number("conv_forward", "strides", strides)
        pad, around = even_pads(pads)
        with_bias = b is not None
        b = b if with_bias else np.zeros(w.shape[3], w.dtype)
        z, theirs = conv_forward(pad_hw(x, around), w, b, stride, pad)
        z = np.asarray(z, x.dtype)
        y, activation_cache = activation.forward(activation_name, z)
        return y, ConvCache(theirs, around, with_bias, activation_name, activation_cache, z)

    def conv2d_backward(grad_y, cache, input_grad=True, from_pre_activation=False):
        if conv_backward is None:
            raise missing("conv_backward", "conv_forward")
        grad_z = grad_y if from_pre_activation else activation.backward(
            cache.activation, grad_y, cache.activation_cache)
        grad_x, grad_w, grad_b = conv_backward(grad_z, cache.theirs)
        dtype = grad_y.dtype
        grad_x = unpad_hw(np.asarray(grad_x, dtype), cache.pads) if input_grad else None
        return grad_x, np.asarray(grad_w, dtype), (np.asarray(grad_b, dtype) if cache.with_bias
                                                   else None)

    def conv2d_pre_activation(cache):
        return cache.z
    return {"conv2d_forward": conv2d_forward, "conv2d_backward": conv2d_backward,
            "conv2d_pre_activation": conv2d_pre_activation}


def pool_ops(maxpool_forward, maxpool_backward):
    """maxpool2d_forward and maxpool2d_backward running the student's max-pooling."""
    def maxpool2d_forward(x, pool_size, strides, pads):
        size = one_number("maxpool_forward", "pool_size", pool_size)
        stride = one_number("maxpool_forward", "strides", strides)
        y, theirs = maxpool_forward(pad_hw(x, pads, value=-np.inf), size, stride)
        return np.asarray(y, x.dtype), PoolCache(theirs, tuple(pads))

    def maxpool2d_backward(grad_y, cache):
        if maxpool_backward is None:
            raise missing("maxpool_backward", "maxpool_forward")
        grad_x = maxpool_backward(grad_y, cache.theirs)
        return unpad_hw(np.asarray(grad_x, grad_y.dtype), cache.pads)
    return {"maxpool2d_forward": maxpool2d_forward, "maxpool2d_backward": maxpool2d_backward}


# -- methods ------------------------------------------------------------------------------
def dense_methods(dense_forward, dense_backward, activation):
    """Dense.forward, backward and backward_from_pre_activation running the student's
    dense layer (and ReLU)."""
    def forward(self, x, training=False):
        x = self._check_input(x)
        b = self.params["b"] if self.use_bias else np.zeros(self.units, self.dtype)
        z, self.exercise_cache = dense_forward(x, self.params["W"], b)
        self.x, self.z = x, np.asarray(z, self.dtype)
        self.y, self.activation_cache = activation.forward(self.activation, self.z)
        return self.y

    def backward(self, grad_y, input_grad=True):
        grad_z = activation.backward(self.activation, self._check_grad(grad_y),
                                     self.activation_cache)
        return self.backward_from_pre_activation(grad_z, input_grad)

    def backward_from_pre_activation(self, grad_z, input_grad=True):
        if dense_backward is None:
            raise missing("dense_backward", "dense_forward")
        grad_x, grad_w, grad_b = dense_backward(self._check_grad(grad_z), self.exercise_cache)
        self.grads["W"] = np.asarray(grad_w, self.dtype)
        if self.use_bias:
            self.grads["b"] = np.asarray(grad_b, self.dtype)
        return np.asarray(grad_x, self.dtype) if input_grad else None
    return {"forward": forward, "backward": backward,
            "backward_from_pre_activation": backward_from_pre_activation}


def activation_methods(activation):
    """Activation.forward and backward (the ReLU layer is an Activation) through
    the student's ReLU."""
    def forward(self, x, training=False):
        self.z = self._check_input(x)
        self.y, self.activation_cache = activation.forward(self.activation, self.z)
        return self.y

    def backward(self, grad_y, input_grad=True):
        return activation.backward(self.activation, self._check_grad(grad_y),
                                   self.activation_cache)
    return {"forward": forward, "backward": backward}


def dropout_methods(dropout_forward, dropout_backward):
    """Dropout.forward and backward running the student's dropout with the layer's
    own generator, so that the masks are those minicnn's Dropout would draw."""
    def forward(self, x, training=False):
        x = self._check_input(x)
        y, self.exercise_cache = dropout_forward(x, self.rate, training, self.rng)
        return np.asarray(y, self.dtype)

    def backward(self, grad_y, input_grad=True):
        if dropout_backward is None:
            raise missing("dropout_backward", "dropout_forward")
        return np.asarray(dropout_backward(self._check_grad(grad_y), self.exercise_cache),
                          self.dtype)
    return {"forward": forward, "backward": backward}


def loss_methods(softmax_loss):
    """SoftmaxCrossEntropy.forward and backward running the student's softmax_loss,
    which takes class indices: one-hot targets are turned into them."""
    def forward(self, logits, targets, sample_weight=None):
        logits = np.asarray(logits)
        rows = self.as_rows(targets, logits.shape, logits.dtype)
        labels = rows.argmax(axis=1)
        if not np.array_equal(rows, np.eye(logits.shape[1], dtype=rows.dtype)[labels]):
            raise ValueError("exercises.use: your softmax_loss takes class indices, and these "
                             "targets are not one-hot rows (soft labels?)")
        if sample_weight is not None and np.any(np.asarray(sample_weight) != 1):
            raise ValueError("exercises.use: your softmax_loss takes no sample weights; train "
                             "without class_weight or sample_weight")
        loss, grad = softmax_loss(logits, labels)
        self.exercise_grad = np.asarray(grad, logits.dtype)
        return float(loss)

    def backward(self):
        return self.exercise_grad
    return {"forward": forward, "backward": backward}


def sgd_update(sgd_momentum):
    """SGD.update (optimizers.py's contract) running the student's sgd_momentum."""
    def update(self, key, param, grad, t):
        if self.nesterov or self.weight_decay:
            raise ValueError("exercises.use: your sgd_momentum has neither Nesterov momentum "
                             "nor weight decay; use SGD(learning_rate, momentum=...) without them")
        velocity = self._slot(key, "velocity", param)
        new, velocity = sgd_momentum(param, grad, velocity, self.learning_rate, self.momentum)
        return np.asarray(new, param.dtype), {"velocity": np.asarray(velocity)}
    return update


def adam_update(adam):
    """Adam.update running the student's adam."""
    def update(self, key, param, grad, t):
        m, v = self._slot(key, "m", param), self._slot(key, "v", param)
        new, m, v = adam(param, grad, m, v, t, self.learning_rate, self.beta_1, self.beta_2,
                         self.epsilon)
        return np.asarray(new, param.dtype), {"m": np.asarray(m), "v": np.asarray(v)}
    return update


def train_step_method(train_step):
    """Sequential.train_step (what fit and train_on_batch run) as the student's."""
    def step(self, x, y, sample_weight=None):
        if sample_weight is not None and np.any(np.asarray(sample_weight) != 1):
            raise ValueError("exercises.use: your train_step takes no sample weights; train "
                             "without class_weight or sample_weight")
        loss, out = train_step(self, self.prepare_input(x), y)
        return float(loss), self.probabilities(np.asarray(out))
    return step
