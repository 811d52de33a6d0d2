"""The student's functions dressed as minicnn's: each adapter takes the simple
contract of an exercise (one stride, one padding, class indices, a cache of the
student's own making) and offers the contract minicnn calls.

Three kinds, all installed and removed through registry.py by plug.py:
  - ops (ops/__init__.py's contract: pure ops, z = conv(x, w) + b, the layer
    applies its activation): convolution and max-pooling, given to ``minicnn.ops.plug``;
  - the activation functions (activations.forward and backward), which every layer
    that applies an activation calls (Conv2D, Dense, Activation, ReLU, ...): the
    student's ReLU reaches them all;
  - methods of minicnn's classes (Dense, Dropout, the softmax loss, SGD, Adam,
    Sequential.train_step), set on the class while in use;
  - the tape's backward pass (tape/recording.py's backward_pass, which
    GradientTape.gradient and the layers written with ``call`` walk through): the
    student's backward_walk, which takes one target.
Everything an adapter returns is cast to the model's dtype (a student's function
may well compute in float64), so the model around it runs as it always does.
"""
import weakref
from collections import namedtuple

import numpy as np

from minicnn import activations
from minicnn.ops.windows import pad_hw, unpad_hw
from minicnn.tape import recording
from minicnn.tape.tensor import Tensor

# What the conv and pool ops keep between forward and backward.
ConvCache = namedtuple("ConvCache", "theirs pads with_bias")
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


def activation_functions(relu_forward, relu_backward, own_forward, own_backward):
    """activations.forward and activations.backward (name, ...) running the student's
    ReLU for "relu" and minicnn's own (``own_*``) for every other activation.

    A layer keeps the output y of forward and hands it to backward; the student's
    relu_backward wants the cache of their relu_forward instead, kept here beside
    that y for as long as y lives. (A y this forward did not make, or a copy, gets
    the cache of the student's relu_forward on y itself: for ReLU, y > 0 exactly
    where z > 0, so a right relu_backward gives the same gradient.)"""
    caches = {}

    def forward(name, z):
        if name != "relu":
            return own_forward(name, z)
        y, cache = relu_forward(z)
        y = np.array(y, dtype=z.dtype)  # a new array: its identity keys the cache
        key = id(y)
        caches[key] = (weakref.ref(y, lambda _, key=key: caches.pop(key, None)), cache)
        return y

    def backward(name, grad_y, y, z=None):  # z: the forward's input, which some activations read
        if name != "relu":
            return own_backward(name, grad_y, y) if z is None else own_backward(name, grad_y, y, z)
        if relu_backward is None:
            raise missing("relu_backward", "relu_forward")
        kept = caches.get(id(y))
        cache = kept[1] if kept is not None and kept[0]() is y else relu_forward(y)[1]
        return np.asarray(relu_backward(grad_y, cache), grad_y.dtype)
    forward.__name__, backward.__name__ = "forward", "backward"
    return forward, backward


def conv_ops(conv_forward, conv_backward):
    """conv2d_forward and conv2d_backward (ops/__init__.py's contract: z and dL/dz,
    no activation) running the student's convolution."""
    def conv2d_forward(x, w, b, strides, pads):
        stride = one_number("conv_forward", "strides", strides)
        pad, around = even_pads(pads)
        with_bias = b is not None
        b = b if with_bias else np.zeros(w.shape[3], w.dtype)
        z, theirs = conv_forward(pad_hw(x, around), w, b, stride, pad)
        return np.asarray(z, x.dtype), ConvCache(theirs, around, with_bias)

    def conv2d_backward(grad_z, cache, input_grad=True):
        if conv_backward is None:
            raise missing("conv_backward", "conv_forward")
        grad_x, grad_w, grad_b = conv_backward(grad_z, cache.theirs)
        dtype = grad_z.dtype
        grad_x = unpad_hw(np.asarray(grad_x, dtype), cache.pads) if input_grad else None
        return grad_x, np.asarray(grad_w, dtype), (np.asarray(grad_b, dtype) if cache.with_bias
                                                   else None)
    return {"conv2d_forward": conv2d_forward, "conv2d_backward": conv2d_backward}


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
def dense_methods(dense_forward, dense_backward):
    """Dense.forward and backward_from_pre_activation running the student's dense
    layer. The activation is the layer's own call of activations.forward/backward
    (the student's ReLU when that is plugged in too); Dense.backward is minicnn's,
    which applies it and calls backward_from_pre_activation."""
    def forward(self, x, training=False):
        x = self._check_input(x)
        b = self.params["b"] if self.use_bias else np.zeros(self.units, self.dtype)
        z, self.exercise_cache = dense_forward(x, self.params["W"], b)
        self.x, self.z = x, np.asarray(z, self.dtype)
        self.y = activations.forward(self.activation, self.z)
        return self.y

    def backward_from_pre_activation(self, grad_z, input_grad=True):
        if dense_backward is None:
            raise missing("dense_backward", "dense_forward")
        grad_x, grad_w, grad_b = dense_backward(self._check_grad(grad_z), self.exercise_cache)
        self.grads["W"] = np.asarray(grad_w, self.dtype)
        if self.use_bias:
            self.grads["b"] = np.asarray(grad_b, self.dtype)
        return np.asarray(grad_x, self.dtype) if input_grad else None
    return {"forward": forward, "backward_from_pre_activation": backward_from_pre_activation}


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
    def forward(self, logits, targets, sample_weight=None, from_logits=True):
        if not from_logits:
            raise ValueError("exercises.use: your softmax_loss takes logits; this model's "
                             "last layer does not end in a softmax (give Dense(..., "
                             "activation='softmax') as the last layer)")
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
    running = set()  # the models inside a step: a step calling model.train_step calls itself

    def step(self, x, y, sample_weight=None):
        if sample_weight is not None and np.any(np.asarray(sample_weight) != 1):
            raise ValueError("exercises.use: your train_step takes no sample weights; train "
                             "without class_weight or sample_weight")
        if id(self) in running:
            raise RuntimeError("exercises.use: your train_step calls model.train_step, which "
                               "is your train_step while it is plugged in: it would call "
                               "itself forever. Write the step from the layers: forward, "
                               "loss, backward, update.")
        running.add(id(self))
        try:
            loss, out = train_step(self, self.prepare_input(x), y)
        finally:
            running.discard(id(self))
        return float(loss), self.probabilities(np.asarray(out))
    return step


def backward_pass(backward_walk):
    """recording.backward_pass(nodes, targets, seeds, sources) by the student's
    backward_walk(nodes, target, seed, sources). Several targets (the tape
    differentiates their sum) become one: a node more, reading them all, whose
    backward hands each its seed."""
    def walk(nodes, targets, seeds, sources):
        nodes, sources = list(nodes), list(sources)  # the tape's own lists stay as they are
        if len(targets) == 1:
            return list(backward_walk(nodes, targets[0], seeds[0], sources))
        joined = Tensor(np.zeros(()))
        node = recording.Node("targets", list(targets), joined, lambda grad, wanted: list(seeds))
        return list(backward_walk(nodes + [node], joined, np.ones(()), sources))
    walk.__name__ = "backward_pass"
    return walk
