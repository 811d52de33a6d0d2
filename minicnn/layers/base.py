"""The Layer contract.

A layer is a forward/backward pair around a cache:

    y = layer.forward(x, training)   # keeps what backward needs
    grad_x = layer.backward(grad_y)  # fills layer.grads, returns dL/dx

The model knows a layer only through the members of ``Layer`` below.
``params`` and ``grads`` are dicts with the same keys and shapes. ``backward``
overwrites ``grads`` (nothing accumulates), never modifies ``grad_y``, and
returns dL/dx, for the first layer of a model too; only a caller that passes
``input_grad=False`` (by keyword; fit, which has no use for the gradient of
the images) lets a layer skip that work and return None. Forward and backward
assign what they keep (``self.cache = ...``) rather than changing arrays in
place. Shapes given to ``build`` and stored in ``input_shape``/``output_shape``
are per sample, without the batch axis.

``training`` is True in fit's steps, False in predict and evaluate, and None
when a layer or model is called directly (``layer(x)``, ``model(x)``, as in
Keras): each layer's default then, which is inference for all but the random
augmentation layers.

``state`` holds arrays kept across batches but not trained (BatchNormalization's
running statistics). A training forward does not write them: it returns the
new values from ``state_updates()``, and the training step writes them together
with the optimizer's update (all or nothing), or ``layer(x, training=True)`` at once.
``regularizers`` maps parameter keys to weight penalties (regularizers.py),
which the model adds to the loss and to those parameters' gradients.

Two members tell a caller running a batch in pieces (the two-half training
step, parallel/halves.py) whether it may: ``independent_samples`` and
``draw_randomness``.
"""
import re

import numpy as np

from minicnn import initializers, regularizers
from minicnn.arguments import check_layer_name
from minicnn.seeding import make_rng
from minicnn.ops.windows import sliding_window_shape
from minicnn.tape import layer_calls
from minicnn.tape.tensor import Variable


class Layer:
    # The activation this layer's output ends with, by name (see activations.py);
    # None for layers without one. A loss fused with an activation (softmax
    # cross-entropy) reads ``pre_activation()`` of a last layer ending in it.
    activation = None
    # Whether, in training, the output for one sample depends on that sample
    # alone (and on the parameters and the random numbers drawn for it, which
    # forward draws through draw_randomness). Then forward and backward on a
    # batch give what they give on its halves, put together, and a model may be
    # computed in pieces. False by default, so that a layer nobody thought about
    # (a batch statistic, random numbers drawn some other way) is computed whole;
    # minicnn's own layers say True where it holds.
    independent_samples = False

    def __init_subclass__(cls, **kwargs):
        """A layer written Keras's way, with ``call`` (and perhaps ``build(input_shape)``
        with the batch axis), gets its forward, backward and build from the tape
        (tape/layer_calls.py): its own build is kept as ``keras_build``."""
        super().__init_subclass__(**kwargs)
        if "call" in vars(cls):
            if "build" in vars(cls):
                cls.keras_build = vars(cls)["build"]
                cls.build = Layer.build
            # a call of its own (MCDropout's, on Dropout) decides the layer's computation,
            # so an inherited handwritten forward/backward is not what runs
            for name in ("forward", "backward"):
                if name not in vars(cls):
                    setattr(cls, name, vars(Layer)[name])

    def __init__(self, name=None, input_shape=None, trainable=True, dtype=None, **keras_only):
        # a layer's name names its arrays in model files: nothing that could leave a folder
        self.name = _snake_case(type(self).__name__) if name is None else check_layer_name(
            name, type(self).__name__)
        self.params, self.grads = {}, {}
        self.state = {}  # arrays kept across batches but not trained: running statistics
        self.regularizers = {}  # {parameter key: weight penalty}, added to the loss
        self.input_shape = self.output_shape = None
        self.dtype = None
        # Keras 2's style, Conv2D(..., input_shape=(h, w, c)) on a model's first
        # layer: the model builds itself from it (an Input does the same).
        self.declared_input_shape = None if input_shape is None else tuple(input_shape)
        self.trainable = bool(trainable)
        self.container = None  # the model (or layer) this layer is part of, if any

    @property
    def built(self):
        return self.input_shape is not None

    @property
    def per_sample_output_shape(self):
        """output_shape: a layer's is per sample already (a model's has the batch axis,
        as Keras's, and says its per-sample one here)."""
        return self.output_shape

    @built.setter
    def built(self, value):
        pass  # a Keras-style build ends with self.built = True; here, building decides it

    def build(self, input_shape, dtype=np.float32):
        """Fix the per-sample input shape and dtype, create the parameters and
        return the per-sample output shape. Layers with geometry to work out
        (pads) extend this; ``compute_output_shape`` itself changes nothing."""
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"{self.name}: dtype must be float32 or float64, got {dtype}")
        if self.writes_call():
            return layer_calls.build_by_call(self, input_shape, dtype)
        input_shape = tuple(int(d) for d in input_shape)
        if self.built and (self.params or self.state):
            return self._rebuild(input_shape, dtype)
        self.output_shape = tuple(self.compute_output_shape(input_shape))
        self.input_shape, self.dtype = input_shape, dtype
        self.params = {k: v.astype(dtype) for k, v in self.init_params(input_shape).items()}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.state = {k: v.astype(dtype) for k, v in self.init_state(input_shape).items()}
        return self.output_shape

    def _rebuild(self, input_shape, dtype):
        """A built layer asked to build again keeps its weights: cast to a new dtype,
        never drawn anew (a trained layer reused in another model stays trained). A
        different input shape would need other weights: refused, as Keras refuses it."""
        if input_shape != self.input_shape:
            raise ValueError(
                f"{self.name} ({type(self).__name__}) was built for inputs of shape (batch, "
                f"{', '.join(map(str, self.input_shape))}) and holds weights for them; it "
                f"cannot take (batch, {', '.join(map(str, input_shape))}). Use a new layer "
                f"for that shape (or the same input shape)")
        self.dtype = dtype
        for kind in ("params", "grads", "state"):
            setattr(self, kind, {k: v.astype(dtype) for k, v in getattr(self, kind).items()})
        return self.output_shape

    # -- what every layer provides --------------------------------------------
    def forward(self, x, training=False):
        """x: (N, *input_shape) -> y: (N, *output_shape). ``training`` switches
        on what differs in training (Dropout's mask); None: the layer's default.
        A layer written with ``call`` gets this from the tape."""
        if self.writes_call():
            return layer_calls.forward_by_call(self, x, training)
        raise NotImplementedError(f"{type(self).__name__}.forward")
    forward.from_the_tape = True  # layer_calls.handwritten looks past it

    def backward(self, grad_y, input_grad=True):
        """grad_y = dL/dy of the last forward -> dL/dx; fills ``grads``. A layer
        written with ``call`` gets this from the tape: the walk back through what
        its call recorded."""
        if self.writes_call():
            return layer_calls.backward_by_call(self, grad_y, input_grad)
        raise NotImplementedError(f"{type(self).__name__}.backward")
    backward.from_the_tape = True

    def writes_call(self):
        """Whether this layer is written Keras's way: a ``call`` method of tensor
        operations and layer calls, its backward left to the tape."""
        return type(self).call is not Layer.call

    def call(self, inputs, training=None):
        """Keras's call. A layer whose forward and backward are written by hand runs
        them here as one node of a recording tape (what a subclass's
        ``super().call(x, training=True)`` reaches); a layer written Keras's way
        defines its own call."""
        return layer_calls.call_layer(self, inputs, training, handwritten=True)

    def add_weight(self, shape=None, initializer="glorot_uniform", dtype=None, trainable=True,
                   name=None, regularizer=None, **keras_only):
        """Keras's add_weight, for a layer written with ``call``: a new parameter (or,
        trainable=False, state) array of ``shape``, drawn by ``initializer``; returns
        its Variable, which ``call`` computes with."""
        key = name or f"weight_{len(self.params) + len(self.state)}"
        array = initializer_argument(self, "initializer", initializer)(
            tuple(int(d) for d in (shape or ())), np.float64, make_rng(None))
        array = array.astype(self.dtype or dtype or np.float32)
        if trainable:
            self.params[key], self.grads[key] = array, np.zeros_like(array)
            penalty = regularizer_argument(self, "regularizer", regularizer)
            if penalty is not None:
                self.regularizers[key] = penalty
        else:
            self.state[key] = array
        return self.variable(key)

    def compute_output_shape(self, input_shape):
        """The per-sample output shape for a per-sample input shape; no side effects."""
        return input_shape

    def param_shapes(self, input_shape):
        """{key: shape} of the parameters for a per-sample input shape; allocates nothing
        (a model file's weights are checked against it before anything is built)."""
        return {}

    def init_params(self, input_shape):
        """{key: initial array}, of the shapes param_shapes gives."""
        return {}

    def state_shapes(self, input_shape):
        """{key: shape} of the state (arrays kept but not trained, such as running
        statistics) for a per-sample input shape; allocates nothing."""
        return {}

    def init_state(self, input_shape):
        """{key: initial array}, of the shapes state_shapes gives."""
        return {}

    def state_updates(self):
        """{state key: new array} computed by the last training forward, for the
        training step to write (see the module's docstring); {} for most layers."""
        return {}

    def write_state(self, updates):
        """Write state_updates() into the state arrays, in place."""
        for key, value in updates.items():
            self.state[key][...] = value

    def __call__(self, x, training=None):
        """Keras's call: on an array or a tensor, the output as a Tensor (a training
        call also writes the state it updates); while a GradientTape records, the call
        is one node of it, whose backward is this layer's ``backward``
        (tape/layer_calls.py). On a symbolic tensor (keras.Input and what layers made
        of it), the symbolic output, one more link of a functional chain."""
        symbolic = symbolic_input(x)
        if symbolic is not None:  # keras.Input's kind (training/symbolic.py): a graph, no numbers
            return symbolic.symbolic_call(self, x)
        return layer_calls.call_layer(self, x, training)

    # -- variables: the parameters as a GradientTape and an optimizer see them -----------------
    # trainable (set in __init__): Keras's; False freezes the layer (fit and the tape leave it)

    def variable(self, key):
        """The Variable of parameter or state array ``key``: one object per array, so a
        tape's gradients and an optimizer's state find it again."""
        cached = self.__dict__.setdefault("_variables", {})
        if key not in cached:
            cached[key] = Variable(layer=self, key=key, trainable=key in self.params)
        return cached[key]

    @property
    def trainable_variables(self):
        """Its parameters as Variables (and, for a layer written with ``call``, its
        sublayers'), unless the layer is frozen."""
        if not self.trainable:
            return []
        own = [self.variable(key) for key in self.params]
        return own + [v for layer in self.sublayers() for v in layer.trainable_variables]

    @property
    def non_trainable_variables(self):
        frozen = [] if self.trainable else list(self.params)
        own = [self.variable(key) for key in frozen + list(self.state)]
        below = [v for layer in self.sublayers()
                 for v in (layer.non_trainable_variables if self.trainable else layer.variables)]
        return own + below

    @property
    def variables(self):
        """Every array as a Variable, parameters then state, in get_weights's order."""
        own = [self.variable(key) for key in self.arrays()]
        return own + [v for layer in self.sublayers() for v in layer.variables]

    @property
    def losses(self):
        """Keras's: the weight penalties, as tensors a tape differentiates, and the
        losses ``call`` added with add_loss in the last call; this layer's and its
        sublayers'. A custom training loop adds them to its loss."""
        own = [penalty(self.variable(key)) for key, penalty in self.regularizers.items()]
        added = list(self.__dict__.get("added_losses", []))
        return own + added + [loss for layer in self.sublayers() for loss in layer.losses]

    def add_loss(self, loss):
        """Keras's: in ``call``, a tensor to add to the training loss (an activity
        penalty); the next call starts afresh."""
        self.__dict__.setdefault("added_losses", []).append(loss)

    def sublayers(self):
        """The layers a layer written with ``call`` keeps as attributes (Keras tracks
        them so), in the order they were set; none for the others."""
        return layer_calls.sublayers(self) if self.writes_call() else []

    trainable_weights = trainable_variables
    non_trainable_weights = non_trainable_variables
    weights = variables

    def arrays(self):
        """Everything the layer keeps across batches, {key: array}: its parameters,
        then its state. A model file holds these; get_weights lists them in this order."""
        return {**self.params, **self.state}

    def get_weights(self):
        """Copies of the layer's arrays (parameters, then state; a model's or a layer
        written with call's: layer by layer), as Keras lists them."""
        return [variable.value.copy() for variable in self.variables]

    def set_weights(self, weights):
        """Set the arrays from a list in get_weights's order and shapes."""
        variables = self.variables
        if len(weights) != len(variables):
            raise ValueError(f"{self.name}.set_weights: it has {len(variables)} arrays "
                             f"({', '.join(v.path for v in variables) or 'none'}), got "
                             f"{len(weights)}")
        for variable, value in zip(variables, weights):
            if variable.shape != np.shape(value):
                raise ValueError(f"{self.name}.set_weights: {variable.path} has shape "
                                 f"{variable.shape}, got an array of shape {np.shape(value)}")
        for variable, value in zip(variables, weights):
            variable.value[...] = value

    def get_config(self):
        """The constructor arguments, for saving a model's architecture."""
        return {"name": self.name}

    def draw_randomness(self, n):
        """The random numbers a training forward on n samples draws, one row per
        sample, or None for a layer that draws none. A layer that draws random
        numbers draws them here and only here: whoever computes a batch in pieces
        (parallel/halves.py) draws them for the whole batch and hands each piece
        its rows through this method, so the pieces see what an unsplit step would."""
        return None

    # -- for layers that end in an activation (Dense, Conv2D, Activation) -------
    def pre_activation(self):
        """z of the last forward, before the activation (the logits before a softmax)."""
        raise TypeError(f"{self.name} ({type(self).__name__}) has no activation to split off")

    def backward_from_pre_activation(self, grad_z, input_grad=True):
        """Backward from dL/dz, the gradient before the activation: a loss fused
        with the activation (softmax cross-entropy) hands it over directly."""
        raise TypeError(f"{self.name} ({type(self).__name__}) has no activation to split off")

    # -- helpers ----------------------------------------------------------------
    def _check_input(self, x):
        """Build on first use (as Keras does) and check x's per-sample shape."""
        x = np.asarray(x)
        if not self.built:
            self.build(x.shape[1:], x.dtype if x.dtype == np.float64 else np.float32)
        if x.shape[1:] != self.input_shape:
            raise ValueError(
                f"{self.name} ({type(self).__name__}): expected input of shape "
                f"(batch, {', '.join(map(str, self.input_shape))}), got {x.shape}")
        # contiguous: the fast ops are compiled for C-ordered arrays only, and a
        # transposed or sliced batch would otherwise need (slow) new machine code
        return np.ascontiguousarray(x, dtype=self.dtype)

    def _check_grad(self, grad_y):
        """grad_y as a contiguous array of the layer's dtype, checked against the
        output shape of the last forward (batch) and the layer's (per sample)."""
        grad_y = np.asarray(grad_y)
        if grad_y.shape[1:] != self.output_shape:
            raise ValueError(
                f"{self.name} ({type(self).__name__}).backward: expected a gradient of shape "
                f"(batch, {', '.join(map(str, self.output_shape))}), got {grad_y.shape}")
        return np.ascontiguousarray(grad_y, dtype=self.dtype)

    def count_params(self):
        """Every array's size, parameters and state, as Keras counts a layer's weights."""
        return sum(array.size for array in self.arrays().values())

    @property
    def output(self):
        """Keras's layer.output: the symbolic output of the layer's first call on a
        symbolic tensor (a built Sequential makes one for each of its layers on first
        ask), to build a model that returns it, keras.Model(model.inputs, layer.output)."""
        if getattr(self, "symbolic_output", None) is None and self.container is not None:
            getattr(self.container, "outputs", None)  # a Sequential's layers called symbolically
        if getattr(self, "symbolic_output", None) is None:
            raise ValueError(f"{self.name}.output: the layer has not been called on a symbolic "
                             f"tensor (keras.Input) yet, nor is it in a built model")
        return self.symbolic_output

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def symbolic_input(x):
    """The symbolic tensor (one with ``symbolic_call``: a functional model's
    placeholder) that x is or holds, else None."""
    for item in (x if isinstance(x, (list, tuple)) else [x]):
        if hasattr(item, "symbolic_call"):
            return item
    return None


class WindowLayer(Layer):
    """A layer that slides a window over the image (Conv2D, SeparableConv2D,
    MaxPooling2D): its output size and padding, from ``window`` (the kernel or pool
    size), ``strides`` and ``padding`` (ops/windows.py has the arithmetic).
    ``pads`` (top, bottom, left, right) is fixed in build."""

    def _geometry(self, input_shape):
        return sliding_window_shape(self.name, input_shape, self.window, self.strides,
                                    self.padding)

    def output_channels(self, input_shape):
        """Channels of the output for a per-sample input (height, width, channels)."""
        raise NotImplementedError(f"{type(self).__name__}.output_channels")

    def compute_output_shape(self, input_shape):
        (out_h, out_w), _ = self._geometry(input_shape)
        return out_h, out_w, self.output_channels(input_shape)

    def build(self, input_shape, dtype=np.float32):
        output_shape = super().build(input_shape, dtype)
        _, self.pads = self._geometry(self.input_shape)
        return output_shape


def _snake_case(name):
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()


def initializer_argument(layer, arg, value):
    """A layer's ``*_initializer`` argument (a name, an object or a config) as an object."""
    return initializers.get(value, f"{layer.name}: {arg}")


def regularizer_argument(layer, arg, value):
    """A layer's ``*_regularizer`` argument (None, an object, a name or a config)."""
    return regularizers.get(value, f"{layer.name}: {arg}")


def weight_options(layer, initializers_given, regularizers_given):
    """Set a layer's ``*_initializer`` and ``*_regularizer`` arguments (Keras's names) as
    objects, and return {parameter: penalty} for the penalised parameters it has.

    initializers_given: {argument: value}; regularizers_given: {argument: (value,
    the parameter it penalises, or None when the layer has no such parameter)}."""
    for arg, value in initializers_given.items():
        setattr(layer, arg, initializer_argument(layer, arg, value))
    penalties = {}
    for arg, (value, parameter) in regularizers_given.items():
        setattr(layer, arg, regularizer_argument(layer, arg, value))
        if parameter is not None and getattr(layer, arg) is not None:
            penalties[parameter] = getattr(layer, arg)
    return penalties


def options_config(layer, defaults):
    """The config entries of a layer's initializers and regularizers that differ
    from Keras's defaults ({argument: default as get_config writes it})."""
    config = {}
    for arg, default in defaults.items():
        value = getattr(layer, arg)
        if isinstance(value, initializers.Initializer):
            value = initializers.serialize(value)
        elif value is not None:
            value = regularizers.serialize(value)
        if value != default:
            config[arg] = value
    return config


def keras_default_only(layer, **given):
    """Refuse Keras arguments minicnn computes with one value only: each keyword is
    (the value given, the values meaning Keras's default, that default first)."""
    for arg, (value, allowed) in given.items():
        if not any(value == option for option in allowed):
            raise ValueError(f"{layer.name} ({type(layer).__name__}): minicnn computes "
                             f"{arg}={allowed[0]!r} only (Keras's default), got {value!r}")
