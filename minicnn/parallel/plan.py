"""The fast training step's plan: which layers run as one fused op of the fast rung.

The textbook step runs every layer's forward and backward, each an op of its own.
With the fast ops on, the training step (halves.py) runs on a *view* of the model
instead: the same model, its own layers, except that

    Conv2D(activation="relu") + MaxPooling2D    (windows that do not overlap)
        -> ConvPool: ops/fast/conv_pool.py, convolution, bias, ReLU and pooling
           in one op that keeps the pooled output and the windows' winners only
    Conv2D(activation="relu") followed by anything else
        -> ConvReLU: ops.fast.conv2d_relu_forward, bias and ReLU applied as the
           output is written

Each stand-in shares its Conv2D's parameters and writes the Conv2D's gradients, as
its backward would; the loss, the update and every other layer are the model's own
(the view runs ``Sequential``'s own forward and backward loops, so nothing of the
textbook step is written twice). The layers themselves never call the fused ops,
and textbook mode never sees them.

The plan is made once per model (again when its layers change) and keeps one set of
stand-ins per half of the batch (halves.py runs two at once), each with its own
buffers: the large arrays of a step are allocated once per shape (ops/fast/buffers.py).
"""
import copy
import threading
import weakref

from minicnn.layers.base import Layer
from minicnn.layers.conv import Conv2D
from minicnn.layers.pooling import MaxPooling2D

_plans = weakref.WeakKeyDictionary()
_lock = threading.Lock()


class StandIn(Layer):
    """A layer of the view standing for a Conv2D (and what it absorbs): its
    parameters, gradients and weight penalties are the Conv2D's own dicts."""
    independent_samples = True

    def __init__(self, conv, last):
        from minicnn.ops.fast import buffers  # numba's import waits for the first fast step
        super().__init__(name=conv.name)
        self.buffers = buffers.Buffers()
        self.bind(conv, last)

    def bind(self, conv, last):
        """Stand for ``conv`` .. ``last`` (the layers of the net being run)."""
        self.conv = conv
        self.params, self.grads, self.regularizers = conv.params, conv.grads, conv.regularizers
        self.input_shape, self.output_shape, self.dtype = (conv.input_shape, last.output_shape,
                                                           conv.dtype)

    def _set_grads(self, grad_w, grad_b):
        self.conv.grads["W"] = grad_w
        if self.conv.use_bias:
            self.conv.grads["b"] = grad_b


class ConvPool(StandIn):
    """Conv2D(relu) then MaxPooling2D, as conv_pool.forward/backward."""

    def bind(self, conv, pool):
        super().bind(conv, pool)
        self.pool = pool

    def forward(self, x, training=False):
        from minicnn.ops.fast import conv_pool
        c, p = self.conv, self.pool
        y, self.cache = conv_pool.forward(x, c.params["W"], c.params.get("b"), c.strides,
                                          c.pads, p.pool_size, p.pads, self.buffers)
        return y

    def backward(self, grad_y, input_grad=True):
        from minicnn.ops.fast import conv_pool
        grad_x, grad_w, grad_b = conv_pool.backward(grad_y, self.cache, input_grad)
        self._set_grads(grad_w, grad_b)
        return grad_x


class ConvReLU(StandIn):
    """Conv2D(relu) alone, as ops.fast.conv2d_relu_forward/backward."""
    activation = "relu"

    def forward(self, x, training=False):
        from minicnn.ops import fast
        c = self.conv
        y, self.cache = fast.conv2d_relu_forward(x, c.params["W"], c.params.get("b"), c.strides,
                                                 c.pads)
        return y

    def backward(self, grad_y, input_grad=True):
        from minicnn.ops import fast
        grad_x, grad_w, grad_b = fast.conv2d_relu_backward(grad_y, self.cache, input_grad)
        self._set_grads(grad_w, grad_b)
        return grad_x


class Plan:
    """For a model: ``steps``, a list of (kind, first, last): "pool" (a ConvPool over
    layers first..last), "relu" (a ConvReLU) or "layer" (the layer itself)."""

    def __init__(self, model):
        self.key = _key(model)
        self.steps = []
        layers, i = model.layers, 0
        while i < len(layers):
            layer = layers[i]
            follower = layers[i + 1] if i + 1 < len(layers) else None
            if _is_relu_conv(layer) and follower is not None:
                if _fusable(layer, follower) and i + 2 < len(layers):
                    self.steps.append(("pool", i, i + 1))
                    i += 2
                    continue
                self.steps.append(("relu", i, i))
            else:
                self.steps.append(("layer", i, i))
            i += 1
        self.fuses = any(kind != "layer" for kind, _, _ in self.steps)
        self._stand_ins = {}  # {(slot, first): StandIn}

    def view(self, net, slot):
        """A shallow copy of ``net`` (the model, or a replica of it for a half of the
        batch: ``slot`` 0 or 1) whose layers are net's own but for the stand-ins."""
        layers = []
        for kind, first, last in self.steps:
            if kind == "layer":
                layers.append(net.layers[first])
                continue
            stand_in = self._stand_ins.get((slot, first))
            if stand_in is None:
                made = ConvPool if kind == "pool" else ConvReLU
                stand_in = self._stand_ins[(slot, first)] = made(net.layers[first],
                                                                 net.layers[last])
            else:
                stand_in.bind(net.layers[first], net.layers[last])
            layers.append(stand_in)
        view = copy.copy(net)
        view.layers = layers
        return view


def for_model(model):
    """The model's plan, made on first use and again when its layers change; None
    when nothing in it fuses (then the step is the textbook one)."""
    key = _key(model)
    with _lock:
        plan = _plans.get(model)
        if plan is None or plan.key != key:
            plan = _plans[model] = Plan(model)
    return plan if plan.fuses else None


def _fusable(conv, pool):
    """Whether Conv2D(relu) ``conv`` and the layer after it run as one ConvPool: a
    MaxPooling2D whose windows do not overlap (strides equal to the pool size, valid
    or same padding), at most 127 offsets in a window (conv_pool keeps them as int8)."""
    return (type(pool) is MaxPooling2D and tuple(pool.strides) == tuple(pool.pool_size)
            and pool.pool_size[0] * pool.pool_size[1] <= 127)


def _is_relu_conv(layer):
    return type(layer) is Conv2D and layer.activation == "relu"


def _key(model):
    """What the plan depends on: each layer, its class, shapes, dtype and settings."""
    return tuple((id(layer), type(layer), layer.input_shape, layer.dtype,
                  getattr(layer, "activation", None), getattr(layer, "pool_size", None),
                  getattr(layer, "strides", None)) for layer in model.layers)
