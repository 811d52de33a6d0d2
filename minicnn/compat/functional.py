"""keras.Model: functional models (a graph of layer calls from keras.Input to the
outputs) and subclassed ones (``call`` written by hand), trained through the tape.

    inputs = keras.Input(shape=(32, 32, 3))
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    y = layers.add([x, layers.Conv2D(16, 1)(inputs)])          # a residual connection
    outputs = layers.Dense(10, activation="softmax")(layers.GlobalAveragePooling2D()(y))
    model = keras.Model(inputs, outputs)

A chain (each layer feeding the next, one input, one output) is what a
Sequential computes: keras.Model gives a ``Functional``, a Sequential whose
layers start with its InputLayer, as Keras lists them, trained by the textbook
step. Anything else (merges, several inputs or outputs, a layer used twice,
arithmetic on symbolic tensors, or a subclass with its own ``call``) is a
``Model``: a layer written with ``call`` (layers/base.py), whose forward runs the
graph (or ``call``) under a tape and whose backward walks that tape back, so
each layer's own backward does the work and a tensor read twice gets both
gradients. Its training step is the textbook one on top of that: forward, loss,
backward, update.

A subclass may override ``train_step(self, data)``, as keras.io's "Customizing
what happens in fit()" does (a GradientTape, ``self.compute_loss``,
``self.optimizer.apply``, ``self.metrics``): fit then runs it (trainer.py).
"""
import numpy as np

from minicnn import sequential
from minicnn.tape import GradientTape, layer_calls
from minicnn.tape.tensor import Tensor, value_of
from minicnn.training import symbolic
from minicnn.training.trainer import Sequential, Trainer, overrides_keras_step


class Functional(Sequential):
    """A functional chain: a Sequential whose layers start with its InputLayer."""

    def __init__(self, input_tensor, calls, name=None):
        super().__init__(name="functional" if name is None else name)
        self._append(input_tensor.input_layer)
        self.build(input_tensor.per_sample, input_tensor._dtype)
        for call in calls:
            self._append(call.layer)
        self.symbolic_inputs = [input_tensor]


class Model(Trainer, sequential.Sequential):
    """keras.Model(inputs, outputs, name=None), or a subclass with ``call``."""

    def __new__(cls, *args, **kwargs):
        inputs, outputs = _functional_arguments(args, kwargs)
        if cls is Model and inputs is not None:
            chain = _chain(inputs, outputs)
            if chain is not None:  # a chain: the textbook Sequential, with its InputLayer
                return Functional(inputs[0], chain, kwargs.get("name"))
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        inputs, outputs = _functional_arguments(args, kwargs)
        # the outputs as given (a dict names them): predict gives them back so
        self.output_structure = kwargs.get("outputs", args[1] if len(args) > 1 else None)
        name = kwargs.pop("name", None)
        kwargs.pop("inputs", None), kwargs.pop("outputs", None)
        unknown = set(kwargs) - {"trainable", "dtype"}
        if unknown:
            raise ValueError(f"keras.Model: minicnn has no {', '.join(sorted(unknown))} argument")
        super().__init__(name=name or _snake_case(type(self).__name__))
        self._layers = None  # a subclass's layers are its attributes (Layer.sublayers)
        self.graph = None
        if inputs is not None:
            self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        if not all(isinstance(t, symbolic.KerasTensor) and t.call is None for t in inputs):
            raise ValueError(f"keras.Model: inputs must be keras.Input(...) tensors (a built "
                             f"model's model.inputs too), got {inputs!r:.100}")
        if not outputs or not all(isinstance(t, symbolic.KerasTensor) for t in outputs):
            raise ValueError(f"keras.Model: outputs must be what layers made of the inputs "
                             f"(x = layer(x)), got {outputs!r:.100}")
        self.symbolic_inputs, self.symbolic_outputs = inputs, outputs
        self.calls = symbolic.graph(inputs, outputs)
        self.graph = (inputs, outputs)
        layers = [t.input_layer for t in inputs]
        for call in self.calls:
            if all(call.layer is not layer for layer in layers):
                layers.append(call.layer)
        taken = set()
        for layer in layers:  # layers of no other model become this one's, named apart
            if layer.container is None:
                layer.container = self
                base, i = layer.name, 1
                while layer.name in taken:
                    layer.name, i = f"{base}_{i}", i + 1
            taken.add(layer.name)
        self._layers = layers
        shapes = [t.per_sample for t in inputs]
        self.input_shape = shapes if len(inputs) > 1 else shapes[0]
        self.dtype = np.dtype(inputs[0]._dtype)
        self.output_shape = self._outputs_shape()

    def _outputs_shape(self):
        shapes = [t.per_sample for t in self.symbolic_outputs]
        return shapes if self.several_outputs else shapes[0]

    @property
    def per_sample_output_shape(self):
        return getattr(self, "_output_shape", None)

    @property
    def output_shape(self):
        """Keras's: with the batch axis, (None, 10); a list for several outputs."""
        shape = self.per_sample_output_shape
        if shape is None or not shape or not isinstance(shape[0], (list, tuple)):
            return None if shape is None else (None,) + tuple(shape)
        return [(None,) + tuple(s) for s in shape]

    @output_shape.setter
    def output_shape(self, value):
        self._output_shape = value

    # -- what a layer written with call has ----------------------------------------------------
    @property
    def layers(self):
        return self.sublayers() if self._layers is None else self._layers

    @layers.setter
    def layers(self, value):
        if value:  # Sequential.__init__ sets it empty; nothing else may
            raise AttributeError("keras.Model: layers come from inputs and outputs, or from "
                                 "the attributes of a subclass")

    def sublayers(self):
        return layer_calls.sublayers(self) if self._layers is None else list(self._layers)

    def writes_call(self):
        return True

    def call(self, inputs, training=None):
        """The graph from the inputs to the outputs, one layer call after another."""
        if self.graph is None:
            raise NotImplementedError(f"{type(self).__name__}: a subclass of keras.Model "
                                      f"defines call(self, inputs), or is made from inputs "
                                      f"and outputs")
        values = list(inputs) if len(self.symbolic_inputs) > 1 else [inputs]
        outs = symbolic.run(self.calls, self.symbolic_inputs, self.symbolic_outputs, values,
                            training)
        return outs if self.several_outputs else outs[0]

    @property
    def several_outputs(self):
        return self.graph is not None and len(self.symbolic_outputs) > 1

    def build(self, input_shape, dtype=None):
        """A functional model is built when made; a subclass when first called (its
        own ``build``, Keras's, runs then, given the shape with the batch axis)."""
        if self.graph is None and not self.built:
            self.input_shape = None
            layer_calls.build_by_call(self, input_shape, dtype or self.dtype)
        return self.output_shape

    @property
    def built(self):
        return self.input_shape is not None

    @built.setter
    def built(self, value):
        pass

    def prepare_input(self, x):
        """x (or, for several inputs, a list of them) as arrays of the model's dtype,
        checked against its input shapes; a subclass is built from the first batch."""
        several = isinstance(x, (list, tuple)) and not isinstance(self.input_shape, tuple)
        arrays = [np.asarray(value_of(a)) for a in (x if several else [x])]
        if not self.built:
            shapes = [a.shape[1:] for a in arrays]
            self.build(shapes if len(shapes) > 1 else shapes[0],
                       np.float64 if arrays[0].dtype == np.float64 else np.float32)
        expected = self.input_shape if several else [self.input_shape]
        for array, shape in zip(arrays, expected if several else [self.input_shape]):
            if tuple(array.shape[1:]) != tuple(shape):
                raise ValueError(f"{self.name}: expected input of shape (batch, "
                                 f"{', '.join(map(str, shape))}), got {array.shape}")
        arrays = [np.ascontiguousarray(a, dtype=self.dtype) for a in arrays]
        return arrays if several else arrays[0]

    def forward(self, x, training=False):
        """The outputs for x: call (or the graph) under a tape of the model's own."""
        return layer_calls.forward_by_call(self, x, training)

    def backward(self, grad, from_pre_activation=False, input_grad=True, down_to=0):
        """Back from dL/d(outputs) through what the last forward recorded: each layer's
        own backward, gradients added where a tensor was read twice."""
        return layer_calls.backward_by_call(self, grad, input_grad)

    def __call__(self, x, training=None):
        """model(x): the outputs as Tensors, each layer call a node of a recording tape."""
        if symbolic.is_symbolic(x):
            return symbolic.call_symbolically(self, x)
        checked = self.prepare_input(value_of(x) if not isinstance(x, (list, tuple)) else
                                     [value_of(a) for a in x])
        several = isinstance(checked, list)
        given = list(x) if several else [x]
        tensors = [g if isinstance(g, Tensor) else Tensor(c)
                   for g, c in zip(given, checked if several else [checked])]
        return layer_calls.call_with_training(self, tensors if several else tensors[0], training)

    def train_step(self, x, y, sample_weight=None):
        """One step, as the textbook's: forward, loss, backward, update; the forward
        recorded on a GradientTape and the backward its walk back (compute_gradients)."""
        self._require_compiled("train_step")
        loss, probabilities = self.compute_gradients(x, y, True, False, sample_weight)
        self.apply_gradients(loss)
        return loss, probabilities

    def compute_gradients(self, x, y, training=True, input_grad=True, sample_weight=None):
        """Forward and backward on (x, y) through a GradientTape: each layer's own
        backward, gradients added where a tensor is read twice; every variable's
        gradient is written into its layer's grads (where the update reads it), and
        with input_grad dL/dx is kept for input_gradient. Returns (loss, probabilities)."""
        self._require_compiled("compute_gradients")
        checked = self.prepare_input(x)
        inputs = [Tensor(a) for a in (checked if isinstance(checked, list) else [checked])]
        with GradientTape() as tape:
            for tensor in inputs if input_grad else []:
                tape.watch(tensor)
            output = self(inputs if len(inputs) > 1 else inputs[0], training)
            loss = self.compute_loss(None, y, output, sample_weight, training)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables + (inputs if input_grad else []))
        for variable, grad in zip(variables, grads):
            variable.layer.grads[variable.param] = (np.zeros_like(variable.value) if grad is None
                                                    else grad.value)
        self.last_input_gradient = [g.value for g in grads[len(variables):]]
        return float(loss), self.probabilities(value_of(output))

    def input_gradient(self, x, y):
        """dL/dx, in inference mode (no dropout); same shape as x."""
        self.compute_gradients(x, y, training=False)
        grads = self.last_input_gradient
        return grads if len(grads) > 1 else grads[0]

    def loss_value(self, output, y, sample_weight=None):
        """The loss of an output (arrays) against y, with the model's losses: a number."""
        return float(self.compute_loss(None, y, Tensor(np.asarray(output)), sample_weight))

    def inference_forward(self):
        return self.forward  # a graph is not the chain the fast ops' plan reads

    def fit_step(self):
        """Its own train_step (a graph is not the chain the fast step computes)."""
        if overrides_keras_step(self, "train_step"):
            return super().fit_step()
        return self.train_step

    @property
    def activation(self):
        return None  # a graph or a call ends in no one activation a loss could take over

    def loss_is_fused(self):
        return False  # the tape reads the outputs as the loss reads them (Keras's rule)

    def probabilities(self, output):
        if self.loss is None or self.several_outputs:
            return output
        return self.loss.probabilities(np.asarray(output), self.loss.from_logits)

    def output_layer(self):
        if self.graph is not None:
            return self.symbolic_outputs[-1].call.layer
        return self.layers[-1]

    def add(self, layer):
        raise TypeError(f"{self.name}: a keras.Model has no add(); its layers come from its "
                        f"inputs and outputs (or its call)")

    def count_params(self):
        return sum(v.value.size for v in self.variables)


def _functional_arguments(args, kwargs):
    """(inputs, outputs) as lists when the model is made from them, else (None, None)."""
    inputs = kwargs.get("inputs", args[0] if args else None)
    outputs = kwargs.get("outputs", args[1] if len(args) > 1 else None)
    if inputs is None and outputs is None:
        return None, None
    if inputs is None or outputs is None:
        raise ValueError("keras.Model: give both inputs and outputs (or neither, in a subclass "
                         "with a call method)")
    return _flatten(inputs), _flatten(outputs)


def _flatten(structure):
    """The tensors of a tensor, or of nested lists, tuples and dicts of them (Keras
    takes any such structure for inputs and outputs)."""
    if isinstance(structure, dict):
        return [t for key in structure for t in _flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [t for part in structure for t in _flatten(part)]
    return [structure]


def _chain(inputs, outputs):
    """The calls of a plain chain (one input, one output, each call reading the one
    before, no layer twice and every layer a single-input one), else None."""
    if len(inputs) != 1 or len(outputs) != 1:
        return None
    calls = symbolic.graph(inputs, outputs)
    previous = inputs[0]
    for call in calls:
        if call.several or len(call.outputs) != 1 or call.inputs[0] is not previous:
            return None
        previous = call.outputs[0]
    layers = [call.layer for call in calls]
    if len({id(layer) for layer in layers}) != len(layers) or any(
            layer.writes_call() or getattr(layer, "container", None) is not None
            for layer in layers):
        return None
    return calls


def _snake_case(name):
    import re
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
