"""Sequential: a stack of layers with Keras's verbs.

    model = Sequential([Conv2D(8, 3, activation="relu"), MaxPool2D(), Flatten(),
                        Dense(4, activation="softmax")], input_shape=(128, 128, 3))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, validation_split=0.2)

One training step (``train_step``, first in the class) is forward through every
layer, the loss, backward through every layer in reverse (each layer fills its
``grads``), then one optimizer update. The model talks to layers only through the
Layer contract (layers/base.py); it keeps that contract itself (nesting.py), so a
model can be a layer of another (``Sequential([base_model, Dense(1)])``, as in Keras).

The loss includes the weight penalties of layers with a ``kernel_regularizer``
(regularizers.py): ``loss_value`` adds them and ``backward_loss`` adds their
gradients, so fit logs, and evaluate returns, the penalised loss, as Keras.

fit and train_on_batch run that step, or, with the fast ops on, the same step
on two halves of the batch (``parallel.train_step_for`` chooses; the split lives
in parallel/halves.py, outside the textbook step).

Softmax and cross-entropy are fused through that contract: a loss declares the
activation it absorbs (``loss.fused_activation = "softmax"``); when the last
layer ends in it, the loss takes that layer's ``pre_activation()`` (the
logits) and hands its gradient, (p - onehot) / N, to the layer's
``backward_from_pre_activation``. No p(1 - p) chain, no overflow.
"""
import contextlib
import copy
import threading

import numpy as np

from minicnn import (batches, losses, metrics as metrics_module, optimizers, parallel,
                     regularizers, saving)
from minicnn.arguments import check_layer_name
from minicnn.callbacks import Callback, FunctionCallback, History, ProgressBar
from minicnn.inspection import layer_output, summary_text, trace
from minicnn.layers.base import KerasTensor, Layer, refuse_several_inputs
from minicnn.layers.input import InputLayer
from minicnn.nesting import ModelAsLayer
from minicnn.preprocessing.files import color_mode_advice
from minicnn.submodel import ChainEnds


class Sequential(ChainEnds, ModelAsLayer):
    def __init__(self, layers=None, input_shape=None, name=None):
        self.name = "sequential" if name is None else check_layer_name(name, "Sequential")
        self.layers = []
        self.input_shape = None
        self.dtype = np.dtype(np.float32)
        self.loss = self.optimizer = None
        self.metrics = []
        self.stop_training = False
        self.metadata = {}  # saved with the model: e.g. class names and preprocessing
        self.history = None  # the History of the last fit
        self.class_weight = None
        self.container = None  # the model this one is a layer of, if any
        self._training_lock = threading.RLock()
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
        batches.check_targets(self, y, self.name)  # names the last layer, not the loss
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
        self.optimizer.apply_gradients(self.parameters(), new_state)

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
        return next((i for i, layer in enumerate(self.layers) if layer.params), len(self.layers))

    # -- building the model ------------------------------------------------------------------
    def add(self, layer):
        """Append a layer (a model too), or declare the input shape with a
        ``keras.Input(shape=...)`` or an ``InputLayer``."""
        if isinstance(layer, KerasTensor):
            if layer.layers:
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
            shape = layer.output_shape
        return shape

    @property
    def built(self):
        return self.input_shape is not None and all(layer.built for layer in self.layers)

    @property
    def output_shape(self):
        return self.layers[-1].output_shape if self.layers else self.input_shape

    def output_layer(self):
        """The layer that makes the model's output (inside a nested model, its last)."""
        layer = self.layers[-1]
        return layer.output_layer() if isinstance(layer, Sequential) and layer.layers else layer

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    def parameters(self):
        """(name, param, grad) for every parameter, named "layer.key": the names
        the optimizer keys its state by and model files store the weights under."""
        items = []
        for layer in self.layers:
            grads = layer.grads
            items += [(f"{layer.name}.{key}", param, grads[key])
                      for key, param in layer.params.items()]
        return items

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

    def summary(self, print_fn=print):
        """Print a Keras-style table: layer (type), output shape, parameter count."""
        self._require_built("summary")
        print_fn(summary_text(self))

    def compile(self, optimizer="rmsprop", loss="categorical_crossentropy", metrics=None,
                run_eagerly=None, jit_compile=None, **unsupported):
        """Choose the optimizer (object or "sgd"/"adam"/"rmsprop"; Keras's default
        "rmsprop"), the loss (object or a Keras name) and the metrics (Keras names,
        "auc", or functions; none by default, as Keras: then evaluate returns the
        loss alone). run_eagerly and jit_compile mean nothing here and are ignored."""
        if unsupported:
            raise ValueError(f"{self.name}.compile: minicnn has no "
                             f"{', '.join(sorted(unsupported))} (one loss, one output, one step "
                             f"at a time)")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self.metrics = metrics_module.compile_metrics(metrics)
        losses.warn_if_outputs_read_as_probabilities(self, self.loss)

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}: {len(self.layers)} layers>"

    # -- Keras's verbs around the step -------------------------------------------------------
    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One forward, backward and optimizer update on a batch (the step fit
        takes). Returns the loss."""
        self._require_compiled("train_on_batch")
        if class_weight is not None:
            sample_weight = losses.class_weight_to_sample_weights(y, class_weight)
        with self._training("train_on_batch"):
            return parallel.train_step_for(self)(x, y, sample_weight)[0]

    def test_on_batch(self, x, y, sample_weight=None):
        """The loss on a batch, in inference mode (no dropout, no update)."""
        self._require_compiled("test_on_batch")
        return self.loss_value(self.forward(self.prepare_input(x)), y, sample_weight)

    def check_batch(self, x, y, sample_weight=None):
        """A batch's targets and sample weights against its size and the model's
        outputs: what the loss would refuse, said of the whole batch (the two-half
        step checks a batch so before it splits it)."""
        if len(np.asarray(y)) != len(x):
            raise ValueError(f"{self.name}: the batch has {len(x)} samples but {len(y)} targets")
        batches.check_targets(self, y, self.name)
        if sample_weight is not None:
            losses.as_sample_weight(sample_weight, len(x))

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, seed=None):
        """Train on arrays (x, y) or a loader, Keras's arguments with Keras's meaning.

        Returns a History (also ``model.history``) whose ``.history`` has "loss",
        each metric and their "val_" versions, one value per epoch. Everything is
        checked before the first step. A step is all or nothing: a non-finite
        loss or update raises FloatingPointError naming the epoch and batch, and
        the weights of the last good step are kept; Ctrl-C stops after a whole
        step, with ``model.history`` holding the epochs completed so far.
        class_weight: {class: weight} or "balanced"; seed: the shuffling order.
        verbose: "auto" (Keras's default, as 1), 0, 1 or 2 (one line per epoch).
        """
        self._require_compiled("fit")
        self._require_layers("fit")
        train, validation, self.class_weight = batches.fit_batches(
            x, y, batch_size, validation_split, validation_data, shuffle, class_weight,
            sample_weight, initial_epoch, epochs, steps_per_epoch, validation_steps,
            validation_batch_size, seed, model=self)
        self.history = History()
        # Keras's order: the user's callbacks, then History, so that it records what
        # they add to the logs (the learning rate)
        callbacks = [c if isinstance(c, Callback) else FunctionCallback(c)
                     for c in (callbacks or [])] + [self.history]
        params = {"verbose": verbose, "epochs": epochs, "steps": len(train)}
        for callback in callbacks:
            callback.params = dict(params)  # Keras's Callback.params
        verbose = 1 if verbose == "auto" else verbose
        self.stop_training = False
        train_step = parallel.train_step_for(self)  # train_step, or it on two halves
        with self._training("fit"):
            for callback in callbacks:
                callback.set_model(self)
                callback.on_train_begin()
            try:
                for epoch in range(initial_epoch, epochs):
                    if verbose:
                        print(f"Epoch {epoch + 1}/{epochs}")
                    self._fit_epoch(epoch, train, validation, train_step, callbacks, verbose)
                    if self.stop_training:
                        break
            finally:  # also after an error or Ctrl-C: callbacks close their files
                for callback in callbacks:
                    callback.on_train_end()
        return self.history

    def _fit_epoch(self, epoch, train, validation, train_step, callbacks, verbose):
        for callback in callbacks:
            callback.on_epoch_begin(epoch)
        bar = ProgressBar(len(train)) if verbose else None
        wants_running_logs = verbose or len(callbacks) > 1  # else nobody reads them per step
        tally = metrics_module.EpochTally(self.metrics)
        for step, (xb, yb, wb) in enumerate(train):
            for callback in callbacks:
                callback.on_train_batch_begin(step)
            if self.class_weight is not None:
                wb = losses.class_weight_to_sample_weights(yb, self.class_weight)
            try:
                loss, probs = train_step(xb, yb, wb)
            except FloatingPointError as error:
                raise FloatingPointError(f"epoch {epoch + 1}, batch {step + 1}: {error}") from None
            tally.add(loss, yb, probs, wb)
            running = tally.result(cheap=True) if wants_running_logs else None
            if bar:
                bar.update(step + 1, running)
            for callback in callbacks:
                callback.on_train_batch_end(step, running)
        logs = tally.result()
        if validation is not None:
            logs.update({f"val_{k}": v for k, v in self._evaluate_logs(validation).items()})
        train.end_epoch()
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
        if bar:  # after the callbacks, as Keras's progress bar: it shows what they logged
            bar.update(len(train), logs, final=True)

    def _evaluate_logs(self, data):
        tally = metrics_module.EpochTally(self.metrics)
        for xb, yb, wb in data:
            output = self.forward(self.prepare_input(xb), training=False)
            tally.add(self.loss_value(output, yb, wb), yb, self.probabilities(output), wb)
        return tally.result()

    def evaluate(self, x=None, y=None, batch_size=None, verbose=0, sample_weight=None,
                 steps=None, return_dict=False):
        """Loss and metrics on arrays or a loader, in inference mode, as Keras
        returns them: [loss, metric, ...], the loss alone (a float) when compiled
        without metrics, a dict with return_dict=True."""
        self._require_compiled("evaluate")
        self._require_layers("evaluate")
        if batches.is_arrays(x) and y is None:
            raise ValueError("evaluate: y (the targets) is needed when x is an array")
        data = batches.Batches(x, y, sample_weight, batches.batch_size_or_default(
            "evaluate", batch_size), steps=steps, owner="evaluate")
        logs = self._evaluate_logs(data)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose=0, steps=None):
        """The last layer's output for arrays or a loader (its images only), in
        inference mode, as Keras returns it: class probabilities for a model
        ending in softmax."""
        self._require_layers("predict")
        batch_size = batches.batch_size_or_default("predict", batch_size)
        if batches.is_arrays(x) and len(np.asarray(x)) == 0:
            x = self.prepare_input(x)  # builds an unbuilt model from x's shape
            return np.zeros((0,) + self.output_shape, dtype=self.dtype)
        data = batches.Batches(x, None, None, batch_size, steps=steps, owner="predict")
        return np.concatenate([self.forward(self.prepare_input(xb)) for xb, _, _ in data])

    def __call__(self, x, training=None):
        """model(x), as Keras: the output for an array (built from it on first use;
        ``training`` None lets each layer use its default), or, on a symbolic
        tensor, the next link of a functional chain (a model used as a layer)."""
        if isinstance(x, KerasTensor):
            return x.then(self)
        refuse_several_inputs(self.name, x)
        y = self.forward(self.prepare_input(x), training)
        if training:
            self.write_state(self.state_updates())
        return y

    def compute_loss(self, x, y, training=False):
        """The loss on (x, y), forward only."""
        self._require_compiled("compute_loss")
        return self.loss_value(self.forward(self.prepare_input(x), training), y)

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

    # -- looking inside ----------------------------------------------------------------------
    def layer_output(self, x, layer):
        """The output of ``layer`` (an index or a name) for inputs x, in inference mode."""
        return layer_output(self, x, layer)

    def trace(self, x, y, print_fn=print):
        """One forward and backward on a batch, printing per layer the input and
        output shapes, forward and backward milliseconds, and the norms of the
        parameters and their gradients. Returns the rows as dicts. No update."""
        self._require_compiled("trace")
        return trace(self, x, y, print_fn)

    # -- weights and files (saving.py does the work; models.load_model reads) ----------------
    def get_weights(self):
        """Copies of every layer's arrays (parameters, then state), layer by layer."""
        return [array.copy() for layer in self.layers for array in layer.arrays().values()]

    def set_weights(self, weights):
        arrays = [array for layer in self.layers for array in layer.arrays().values()]
        if len(weights) != len(arrays):
            raise ValueError(f"{self.name}.set_weights: the model has {len(arrays)} arrays, "
                             f"got {len(weights)}")
        for array, value in zip(arrays, weights):
            if array.shape != np.shape(value):
                raise ValueError(f"{self.name}.set_weights: expected an array of shape "
                                 f"{array.shape}, got {np.shape(value)}")
        for array, value in zip(arrays, weights):
            array[...] = value

    def save(self, path, include_optimizer=True):
        """Write the architecture (JSON, with ``self.metadata``), the weights and
        (include_optimizer) the optimizer's settings and state into one .npz
        file, atomically. minicnn.load_model gives back a compiled model then.
        A path ending in .keras or .h5 gets a Keras file instead (keras_format.py,
        which Keras 3 reads too; it needs h5py)."""
        self._require_built("save")
        from minicnn.keras_format import writing  # h5py only when a Keras file is asked for
        if writing.is_keras_path(path):  # .keras, .h5, .hdf5
            return writing.save_model(self, path, include_optimizer)
        nested = [layer.name for layer in self.layers if isinstance(layer, Sequential)]
        if nested:
            raise ValueError(f"{self.name}.save: {', '.join(nested)} is a model inside this model, "
                             f"which minicnn's .npz files cannot hold yet; save to a .keras file, "
                             f"or save_weights and rebuild the model in code")
        saving.save_model(self, path, include_optimizer)

    def save_weights(self, path):
        """Write the weights only, atomically, as .npz (a path ending in .weights.h5:
        Keras's weights file)."""
        self._require_built("save_weights")
        from minicnn.keras_format import writing
        if writing.is_keras_weights_path(path):
            return writing.save_weights(self, path)
        saving.save_arrays(path, saving.weight_arrays(self))

    def load_weights(self, path):
        """Load weights saved by save or save_weights (or Keras's .weights.h5 and
        .keras files) into this (built) model; every array must match by name and shape."""
        self._require_built("load_weights")
        if str(path).endswith((".weights.h5", ".keras")):
            from minicnn.keras_format import weights_only
            return weights_only.load_weights(self, path)
        saving.load_weights(self, path)

    @contextlib.contextmanager
    def _training(self, verb):
        """One thread at a time trains a model: its layers hold one cache for one batch."""
        if not self._training_lock.acquire(blocking=False):
            raise RuntimeError(f"{self.name}.{verb}: the model is being trained in another "
                               f"thread; its layers hold one batch's caches, so train it from "
                               f"one thread at a time (or train a clone_model of it in each)")
        try:
            yield
        finally:
            self._training_lock.release()

    def __deepcopy__(self, memo):
        """A deep copy with a lock of its own (a lock cannot be copied)."""
        clone = type(self).__new__(type(self))
        memo[id(self)] = clone
        for key, value in vars(self).items():
            setattr(clone, key, threading.RLock() if key == "_training_lock"
                    else copy.deepcopy(value, memo))
        return clone

    def _require_built(self, verb):
        if not self.built:
            raise ValueError(f"{self.name}.{verb}: the model is not built; give input_shape, add an "
                             f"Input, call build(input_shape), or run it on data first")

    def _require_layers(self, verb):
        if not self.layers:
            raise ValueError(f"{self.name}.{verb}: the model has no layers; add some with "
                             f"model.add(...) first")

    def _require_compiled(self, verb):
        if self.loss is None:
            raise ValueError(f"{self.name}.{verb}: call compile(optimizer, loss) first")


def wrong_input_message(name, input_shape, got):
    """What a model says when given a batch of another shape: both shapes, and for
    images with the wrong number of channels, how to load them as it expects."""
    message = (f"{name}: expected input of shape (batch, {', '.join(map(str, input_shape))}), "
               f"got {tuple(got)}")
    if len(input_shape) == 3 and len(got) == 4 and tuple(got[1:3]) == tuple(input_shape[:2]):
        advice = color_mode_advice(input_shape[2], got[3])
        message += f": {advice}" if advice else ""
    return message
