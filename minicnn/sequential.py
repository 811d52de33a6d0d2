"""Sequential: a stack of layers, and its training step. Read this first.

    model = Sequential([Conv2D(8, 3, activation="relu"), MaxPool2D(), Flatten(),
                        Dense(4, activation="softmax")], input_shape=(128, 128, 3))
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    loss, probabilities = model.train_step(x_batch, y_batch)

One training step (``train_step``, first in the class) is forward through every
layer, the loss, backward through every layer in reverse (each layer fills its
``grads``), then one optimizer update. The model talks to layers only through the
Layer contract (layers/base.py); it keeps that contract itself (nesting.py), so a
model can be a layer of another (``Sequential([base_model, Dense(1)])``, as in Keras).

The loss includes the weight penalties of layers with a ``kernel_regularizer``
(regularizers.py): ``loss_value`` adds them and ``backward_loss`` adds their
gradients, so the loss a step reports is the penalised loss, as Keras's.

Softmax and cross-entropy are fused through that contract: a loss declares the
activation it absorbs (``loss.fused_activation = "softmax"``); when the last
layer ends in it, the loss takes that layer's ``pre_activation()`` (the
logits) and hands its gradient, (p - onehot) / N, to the layer's
``backward_from_pre_activation``. No p(1 - p) chain, no overflow.

What Keras users call the model's verbs (fit, evaluate, predict, save, ...) wrap
this step; they live outside the core, in training/trainer.py, and
``minicnn.Sequential`` is this class with them.
"""
import copy

import numpy as np

from minicnn import losses, optimizers, regularizers
from minicnn.arguments import check_layer_name, color_mode_advice
from minicnn.layers.base import Layer, symbolic_input
from minicnn.layers.input import InputLayer
from minicnn.nesting import ModelAsLayer
from minicnn.tape.tensor import Tensor, value_of


class Sequential(ModelAsLayer):
    def __init__(self, layers=None, input_shape=None, name=None):
        self.name = "sequential" if name is None else check_layer_name(name, "Sequential")
        self.layers = []
        self.input_shape = None
        self.dtype = np.dtype(np.float32)
        self.loss = self.optimizer = None
        self.metadata = {}  # saved with the model: e.g. class names and preprocessing
        self.container = None  # the model this one is a layer of, if any
        self.trainable = True
        for layer in layers or []:
            self.add(layer)
        if input_shape is not None:
            self.build(input_shape)

    # -- the textbook step: forward, loss, backward, update ----------------------------------
    def train_step(self, x, y, sample_weight=None):
        """One step of gradient descent on a batch: forward, loss, backward
        (no input gradient: nobody reads it), update. Returns (loss,
        probabilities). All or nothing: a non-finite loss or update changes no
        weight (FloatingPointError)."""
        self._require_compiled("train_step")
        x = self.prepare_input(x)
        output = self.forward(x, training=True)
        loss = self.loss_value(output, y, sample_weight)
        self.backward_loss(input_grad=False)
        self.apply_gradients(loss)
        return loss, self.probabilities(output)

    def forward(self, x, training=False):
        """The output of the last layer."""
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def loss_value(self, output, y, sample_weight=None):
        """The loss of the last forward's output against y, plus the weight penalties.
        The loss reads the logits when it absorbs the last layer's activation
        (softmax cross-entropy); else the output, as logits or (from_logits=False,
        as Keras) as probabilities."""
        losses.check_targets(self, y, self.name)  # names the last layer, not the loss
        if self.loss_is_fused():
            loss = self.loss.forward(self.layers[-1].pre_activation(), y, sample_weight)
        else:
            loss = self.loss.forward(output, y, sample_weight, from_logits=self.loss.from_logits)
        return loss + regularizers.total_penalty(self)

    def backward(self, grad, from_pre_activation=False, input_grad=True, down_to=0):
        """Backward through every layer from dL/d(output) (or, with
        from_pre_activation, from dL/dz of the last layer's pre-activation).
        Returns dL/dx for the input batch; fills every layer's grads.
        input_grad=False (fit) returns None and stops at the first layer with
        parameters: nothing below it learns, so no gradient goes there.
        down_to=k stops after layer k: the result is dL/d(input of layer k), the
        gradient with respect to layer k-1's output (Grad-CAM reads it)."""
        lowest = down_to if input_grad else max(down_to, self.first_with_parameters())
        for i in reversed(range(lowest, len(self.layers))):
            layer = self.layers[i]
            wants_input_grad = input_grad or i > lowest
            if i == len(self.layers) - 1 and from_pre_activation:
                grad = layer.backward_from_pre_activation(grad, input_grad=wants_input_grad)
            else:
                grad = layer.backward(grad, input_grad=wants_input_grad)
        return grad if input_grad else None

    def backward_loss(self, input_grad=True):
        """Backward from the gradient of the loss computed by the last loss_value;
        each penalised parameter's gradient then gets its penalty's gradient."""
        grad = self.backward(self.loss.backward(), self.loss_is_fused(), input_grad)
        regularizers.add_penalty_gradients(self)
        return grad

    def apply_gradients(self, loss):
        """The update of a step whose loss is ``loss`` and whose gradients the
        layers hold: refused (FloatingPointError) when the loss is not finite."""
        if not np.isfinite(loss):
            raise FloatingPointError(f"the loss is {loss}; the weights were not updated "
                                     f"(lower the learning rate, or check the inputs for NaN)")
        # the running statistics the training forward computed (BatchNormalization's)
        # are written with the weights: a refused or interrupted step changes neither
        new_state = [(f"{layer.name}.{key}", layer.state[key], value) for layer in self.layers
                     for key, value in layer.state_updates().items()]
        self.optimizer.apply_gradients(self.parameters(), new_state,
                                       regularizers.constraints_of(self))

    def prepare_input(self, x):
        """x as a contiguous array of the model's dtype, its shape checked against
        the model's input shape (the model is built from it on first use)."""
        self._require_layers("forward")
        x = np.asarray(x)
        if not self.built:
            self.build(x.shape[1:])
        if x.shape[1:] != self.input_shape:
            raise ValueError(wrong_input_message(self.name, self.input_shape, x.shape))
        return np.ascontiguousarray(x, dtype=self.dtype)

    def loss_is_fused(self):
        """True when the loss absorbs the last layer's activation (softmax cross-entropy)."""
        fused = getattr(self.loss, "fused_activation", None)
        return fused is not None and self.layers[-1].activation == fused

    def probabilities(self, output):
        """What the metrics see: the output, when the last layer ends in the loss's
        activation; else the output as the loss reads it: logits through its
        activation (softmax, sigmoid), or probabilities (from_logits=False)."""
        if self.loss is None or self.layers[-1].activation == self.loss.fused_activation:
            return output
        return self.loss.probabilities(output, self.loss.from_logits)

    def first_with_parameters(self):
        """The index of the first layer with parameters (len(layers) if none has any)."""
        return next((i for i, layer in enumerate(self.layers) if layer.trainable_variables),
                    len(self.layers))

    # -- building the model ------------------------------------------------------------------
    def add(self, layer):
        """Append a layer (a model too), or declare the input shape with a
        ``keras.Input(shape=...)`` or an ``InputLayer``."""
        if symbolic_input(layer) is not None:  # keras.Input(shape=...): its InputLayer
            if getattr(layer, "input_layer", None) is None:
                raise ValueError(f"{self.name}.add: got the output of {layer.name} (a symbolic "
                                 f"tensor); add layers, or build a functional model with "
                                 f"keras.Model(inputs, outputs)")
            layer = layer.input_layer
        if isinstance(layer, InputLayer):
            self.build(layer.shape, layer.input_dtype)
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"{self.name}.add: expected a minicnn layer, got {type(layer).__name__}")
        if layer is self:
            raise ValueError(f"{self.name}.add: a model cannot be a layer of itself")
        self._append(layer)

    def _append(self, layer):
        if any(layer is other for other in self.layers):
            raise ValueError(f"{self.name}.add: {layer.name} is already in the model; a layer "
                             f"holds one set of weights and one cache, so add a new layer instead")
        check_layer_name(layer.name, f"{self.name}.add: {type(layer).__name__}")
        taken = {other.name for other in self.layers}
        if layer.name in taken:
            base, i = layer.name, 1
            while f"{base}_{i}" in taken:
                i += 1
            layer.name = f"{base}_{i}"
        self.layers.append(layer)
        layer.container = self
        if self.input_shape is None and len(self.layers) == 1 and layer.declared_input_shape:
            self.build(layer.declared_input_shape)
        elif self.input_shape is not None:
            self.build(self.input_shape, self.dtype)

    def build(self, input_shape, dtype=None):
        """Infer every layer's shapes from the per-sample input shape and create
        the weights of layers not yet built. Returns the output shape."""
        dtype = self.dtype if dtype is None else np.dtype(dtype)
        self.input_shape, self.dtype = tuple(int(d) for d in input_shape), dtype
        shape = self.input_shape
        for layer in self.layers:
            if not (layer.built and layer.input_shape == shape and layer.dtype == dtype):
                layer.build(shape, dtype)
            shape = layer.per_sample_output_shape
        return shape

    @property
    def built(self):
        return self.input_shape is not None and all(layer.built for layer in self.layers)

    @property
    def per_sample_output_shape(self):
        """The output's shape per sample (what a layer's output_shape is)."""
        return self.layers[-1].per_sample_output_shape if self.layers else self.input_shape

    @property
    def output_shape(self):
        """Keras's model.output_shape: with the batch axis, (None, 10)."""
        shape = self.per_sample_output_shape
        return None if shape is None else (None,) + tuple(shape)

    def output_layer(self):
        """The layer that makes the model's output (inside a nested model, its last)."""
        layer = self.layers[-1]
        return layer.output_layer() if isinstance(layer, Sequential) and layer.layers else layer

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    def parameters(self):
        """(name, param, grad) for every parameter of every layer not frozen, named
        "layer.key": the names the optimizer keys its state by and model files
        store the weights under. The layers' trainable variables list them."""
        return [(v.key, v.value, v.layer.grads[v.param]) for v in self.trainable_variables]

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in ``layers``, as Keras's get_layer."""
        names = [layer.name for layer in self.layers]
        if (name is None) == (index is None):
            raise ValueError(f"{self.name}.get_layer: give a layer's name or its index (one of "
                             f"the two); the layers are {names}")
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not (
                    -len(names) <= index < len(names)):
                raise ValueError(f"{self.name}.get_layer: index {index!r} is out of range: the "
                                 f"model has {len(names)} layers ({names})")
            return self.layers[index]
        if name not in names:
            raise ValueError(f"No such layer: {name}. Existing layers are: {names}.")
        return self.layers[names.index(name)]

    def compile(self, optimizer="rmsprop", loss=None):
        """Choose the optimizer (object or "sgd"/"adam"/"rmsprop"; Keras's default
        "rmsprop") and the loss (object or a Keras name; None, as Keras allows, for a
        model whose own train_step computes its loss)."""
        self.optimizer = optimizers.get(optimizer)
        self.loss = None if loss is None else losses.get(loss)
        if self.loss is not None:
            losses.warn_if_outputs_read_as_probabilities(self, self.loss)

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}: {len(self.layers)} layers>"

    def __call__(self, x, training=None):
        """model(x), as Keras: the output for an array or a tensor, as a Tensor (the
        model is built from x on first use; ``training`` None lets each layer use its
        default). Each layer is called in turn, so while a GradientTape records,
        each layer is one node of it. On a symbolic tensor, the next link of a
        functional chain (a model used as a layer)."""
        if symbolic_input(x) is not None:  # a model used as a layer of a functional model
            return symbolic_input(x).symbolic_call(self, x)
        checked = self.prepare_input(value_of(x))
        x = x if isinstance(x, Tensor) else checked
        for layer in self.layers:
            x = layer(x, training)
        return x

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=False):
        """Keras 3's: the loss of y_pred (by default, the model's output on x) against y,
        plus the model's losses (weight penalties, add_loss), as a Tensor a recording
        GradientTape follows: in a train_step of one's own, it is the loss to
        differentiate. Forward only; float() of it is the number."""
        self._require_compiled("compute_loss")
        loss = self.loss(y, self(x, training) if y_pred is None else y_pred, sample_weight)
        for extra in self.losses:
            loss = loss + extra
        return loss

    def compute_gradients(self, x, y, training=True, input_grad=True):
        """Forward and backward on (x, y): every layer's grads are filled.
        Returns (loss, class probabilities)."""
        self._require_compiled("compute_gradients")
        output = self.forward(self.prepare_input(x), training)
        loss = self.loss_value(output, y)
        self.backward_loss(input_grad)
        return loss, self.probabilities(output)

    def input_gradient(self, x, y):
        """dL/dx: the gradient of the loss on (x, y) with respect to the input
        batch, in inference mode (no dropout); same shape as x."""
        self._require_compiled("input_gradient")
        self.loss_value(self.forward(self.prepare_input(x), training=False), y)
        return self.backward_loss(input_grad=True)

    # (get_weights and set_weights: Layer's, over every layer's variables)
    def _require_built(self, verb):
        if not self.built:
            raise ValueError(f"{self.name}.{verb}: the model is not built; give input_shape, add an "
                             f"Input, call build(input_shape), or run it on data first")

    def _require_layers(self, verb):
        if not self.layers:
            raise ValueError(f"{self.name}.{verb}: the model has no layers; add some with "
                             f"model.add(...) first")

    def _require_compiled(self, verb):
        if self.optimizer is None:
            raise ValueError(f"{self.name}.{verb}: call compile(optimizer, loss) first")
        if self.loss is None and not getattr(self, "computes_its_own_loss", False):
            raise ValueError(f"{self.name}.{verb}: the model was compiled without a loss; "
                             f"give one, model.compile(optimizer, loss=...)")


def wrong_input_message(name, input_shape, got):
    """What a model says when given a batch of another shape: both shapes, and for
    images with the wrong number of channels, how to load them as it expects."""
    message = (f"{name}: expected input of shape (batch, {', '.join(map(str, input_shape))}), "
               f"got {tuple(got)}")
    if len(input_shape) == 3 and len(got) == 4 and tuple(got[1:3]) == tuple(input_shape[:2]):
        advice = color_mode_advice(input_shape[2], got[3])
        message += f": {advice}" if advice else ""
    return message


def copy_model(model, dtype=None):
    """An independent copy of a built model (nested models' layers too), its
    arrays cast to ``dtype`` if one is given: gradcheck checks a float32 model
    through its float64 copy."""
    clone = copy.deepcopy(model)
    if dtype is not None:
        _cast(clone.layers, np.dtype(dtype))
        clone.dtype = np.dtype(dtype)
    return clone


def _cast(layers, dtype):
    """Every array of every layer (nested models' and sublayers' included) in ``dtype``."""
    for layer in layers:
        if hasattr(layer, "layers"):
            _cast(layer.layers, dtype)
            layer.dtype = dtype
            continue
        layer.dtype = dtype
        for kind in ("params", "grads", "state"):
            setattr(layer, kind, {k: v.astype(dtype) for k, v in getattr(layer, kind).items()})
        _cast(layer.sublayers(), dtype)
