"""Keras's verbs around the training step: compile's metrics, fit, evaluate,
predict, train_on_batch, summary and the model files.

``minicnn.Sequential`` (at the end of this file) is the core's Sequential
(sequential.py: the layers and ``train_step``) with these methods, as Keras's
Model puts its Trainer together with its Layer. Nothing here
computes a gradient: fit runs ``train_step`` batch after batch, or, with the
fast ops on, the same step on two halves of the batch (``parallel.train_step_for``
chooses; the split lives in parallel/halves.py, outside the textbook step).
"""
import contextlib
import copy
import inspect
import threading

import numpy as np

from minicnn import losses, parallel, sequential
from minicnn.training import batches, metrics as metrics_module, symbolic
from minicnn.training.saving import reading, writing
from minicnn.training.callbacks import Callback, FunctionCallback, History, ProgressBar
from minicnn.tape.tensor import Tensor, value_of
from minicnn.training.summary import layer_output, summary_text, trace


class Trainer:
    """Keras's verbs, for a class that is also a core Sequential."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.compiled_metrics = metrics_module.CompileMetrics([])
        self.loss_tracker = None  # Keras 3's Mean("loss"), made by compile
        self.stop_training = False
        self.history = None  # the History of the last fit
        self.class_weight = None
        self._training_lock = threading.RLock()

    def compile(self, optimizer="rmsprop", loss=None, metrics=None,
                run_eagerly=None, jit_compile=None, **unsupported):
        """Choose the optimizer (object or "sgd"/"adam"/"rmsprop"; Keras's default
        "rmsprop"), the loss (object or a Keras name) and the metrics (Keras names,
        "auc", or functions; none by default, as Keras: then evaluate returns the
        loss alone). run_eagerly and jit_compile mean nothing here and are ignored."""
        if unsupported:
            raise ValueError(f"{self.name}.compile: minicnn has no "
                             f"{', '.join(sorted(unsupported))} (one loss, one output, one step "
                             f"at a time)")
        super().compile(optimizer, loss)
        self.compiled_metrics = metrics_module.CompileMetrics(metrics_module.compile_metrics(metrics))
        self.loss_tracker = metrics_module.Mean(name="loss")

    @property
    def metrics(self):
        """Keras 3's: once compiled, the loss tracker and the compiled metrics (one
        CompileMetrics, whose result is {name: value}); what a train_step(data) of
        one's own updates. fit's own step keeps its tally of the compiled metrics."""
        if self.loss_tracker is None:
            return []
        return [self.loss_tracker] + ([self.compiled_metrics] if len(self.compiled_metrics) else [])

    @property
    def metrics_names(self):
        return [metric.name for metric in self.metrics]

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def summary(self, print_fn=print):
        """Print a Keras-style table: layer (type), output shape, parameter count."""
        self._require_built("summary")
        print_fn(summary_text(self))

    # -- around the step --------------------------------------------------------------------
    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One forward, backward and optimizer update on a batch (the step fit
        takes). Returns the loss."""
        self._require_compiled("train_on_batch")
        x, y = plain(x), plain(y)
        if class_weight is not None:
            sample_weight = losses.class_weight_to_sample_weights(y, class_weight)
        with self._training("train_on_batch"):
            made = self.fit_step()(x, y, sample_weight)
        return flat_logs(made)["loss"] if isinstance(made, dict) else made[0]

    def test_on_batch(self, x, y, sample_weight=None):
        """The loss on a batch, in inference mode (no dropout, no update)."""
        self._require_compiled("test_on_batch")
        x, y = plain(x), plain(y)
        return self.loss_value(self.forward(self.prepare_input(x)), y, sample_weight)

    def check_batch(self, x, y, sample_weight=None):
        """A batch's targets and sample weights against its size and the model's
        outputs: what the loss would refuse, said of the whole batch (the two-half
        step checks a batch so before it splits it)."""
        if len(np.asarray(y)) != len(x):
            raise ValueError(f"{self.name}: the batch has {len(x)} samples but {len(y)} targets")
        losses.check_targets(self, y, self.name)
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
        x, y = plain(x), plain(y)
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
        train_step = self.fit_step()
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

    @property
    def computes_its_own_loss(self):
        """A train_step(self, data) of one's own may compute any loss: compile without one."""
        return overrides_keras_step(self, "train_step")

    def fit_step(self):
        """The step fit runs on each batch: a train_step(self, data) of the model's own
        (Keras's override, which returns its logs), else ``train_step`` itself, or,
        with the fast ops on, the same step computed faster (parallel.train_step_for)."""
        if overrides_keras_step(self, "train_step"):
            return lambda x, y, w: self.train_step((x, y) if w is None else (x, y, w))
        return parallel.train_step_for(self)

    def _fit_epoch(self, epoch, train, validation, train_step, callbacks, verbose):
        for callback in callbacks:
            callback.on_epoch_begin(epoch)
        bar = ProgressBar(len(train)) if verbose else None
        wants_running_logs = verbose or len(callbacks) > 1  # else nobody reads them per step
        tally = metrics_module.EpochTally(self.compiled_metrics.metrics)
        self.reset_metrics()  # as Keras, for a train_step of one's own
        logs = {}
        for step, (xb, yb, wb) in enumerate(train):
            for callback in callbacks:
                callback.on_train_batch_begin(step)
            if self.class_weight is not None:
                wb = losses.class_weight_to_sample_weights(yb, self.class_weight)
            try:
                made = train_step(xb, yb, wb)
            except FloatingPointError as error:
                raise FloatingPointError(f"epoch {epoch + 1}, batch {step + 1}: {error}") from None
            if isinstance(made, dict):  # the logs of a train_step(data) of one's own
                running = logs = flat_logs(made)
            else:
                loss, probs = made
                tally.add(loss, yb, probs, wb)
                running = tally.result(cheap=True) if wants_running_logs else None
            if bar:
                bar.update(step + 1, running)
            for callback in callbacks:
                callback.on_train_batch_end(step, running)
        logs = logs or tally.result()
        if validation is not None:
            logs.update({f"val_{k}": v for k, v in self._evaluate_logs(validation).items()})
        train.end_epoch()
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
        if bar:  # after the callbacks, as Keras's progress bar: it shows what they logged
            bar.update(len(train), logs, final=True)

    def _evaluate_logs(self, data):
        if overrides_keras_step(self, "test_step"):
            self.reset_metrics()
            logs = {}
            for xb, yb, wb in data:
                logs = flat_logs(self.test_step((xb, yb) if wb is None else (xb, yb, wb)))
            return logs
        tally = metrics_module.EpochTally(self.compiled_metrics.metrics)
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
        x, y = plain(x), plain(y)
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
        x = plain(x)
        batch_size = batches.batch_size_or_default("predict", batch_size)
        if batches.is_arrays(x) and len(np.asarray(x)) == 0:
            x = self.prepare_input(x)  # builds an unbuilt model from x's shape
            return np.zeros((0,) + self.output_shape, dtype=self.dtype)
        data = batches.Batches(x, None, None, batch_size, steps=steps, owner="predict")
        parts = [self.forward(self.prepare_input(xb)) for xb, _, _ in data]
        if isinstance(parts[0], list):  # a model with several outputs: one array each
            return [np.concatenate(output) for output in zip(*parts)]
        return np.concatenate(parts)

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

    # -- files (training/saving: .npz; compat/keras/saving: Keras's .keras and .h5) ------------
    def save(self, path, include_optimizer=True):
        """Write the architecture (JSON, with ``self.metadata``), the weights and
        (include_optimizer) the optimizer's settings and state into one .npz
        file, atomically. minicnn.load_model gives back a compiled model then.
        A path ending in .keras or .h5 gets a Keras file instead (compat/keras/saving,
        which Keras 3 reads too; it needs h5py)."""
        self._require_built("save")
        from minicnn.compat.keras.saving import writing as keras_files  # h5py only if asked for
        if keras_files.is_keras_path(path):  # .keras, .h5, .hdf5
            return keras_files.save_model(self, path, include_optimizer)
        nested = [layer.name for layer in self.layers if hasattr(layer, "layers")]
        if nested:
            raise ValueError(f"{self.name}.save: {', '.join(nested)} is a model inside this model, "
                             f"which minicnn's .npz files cannot hold yet; save to a .keras file, "
                             f"or save_weights and rebuild the model in code")
        writing.save_model(self, path, include_optimizer)

    def save_weights(self, path):
        """Write the weights only, atomically, as .npz (a path ending in .weights.h5:
        Keras's weights file)."""
        self._require_built("save_weights")
        from minicnn.compat.keras.saving import writing as keras_files
        if keras_files.is_keras_weights_path(path):
            return keras_files.save_weights(self, path)
        writing.save_arrays(path, writing.weight_arrays(self))

    def load_weights(self, path):
        """Load weights saved by save or save_weights (or Keras's .weights.h5 and
        .keras files) into this (built) model; every array must match by name and shape."""
        self._require_built("load_weights")
        if str(path).endswith((".weights.h5", ".keras")):
            from minicnn.compat.keras.saving import weights_only
            return weights_only.load_weights(self, path)
        reading.load_weights(self, path)

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


def overrides_keras_step(model, name):
    """Whether the model's class defines ``name`` (train_step, test_step) Keras's way,
    taking one ``data`` argument, rather than minicnn's train_step(x, y, sample_weight)."""
    method = getattr(type(model), name, None)
    if method is None or method is getattr(sequential.Sequential, name, None):
        return False
    return len(inspect.signature(method).parameters) == 2  # self, data


def plain(value):
    """Tensors (and lists of them) as the arrays inside: fit and predict take both."""
    if isinstance(value, (list, tuple)) and any(isinstance(v, Tensor) for v in value):
        return type(value)(value_of(v) for v in value)
    return value_of(value)


def flat_logs(logs):
    """A train_step's returned logs as {name: float}; nested dicts (Keras 3's
    compile_metrics) flattened, tensors made numbers."""
    flat = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            flat.update(flat_logs(value))
        else:
            flat[key] = float(np.asarray(value_of(value)))
    return flat


class Sequential(Trainer, sequential.Sequential):
    """A stack of layers with Keras's verbs:

        model = Sequential([Conv2D(8, 3, activation="relu"), MaxPool2D(), Flatten(),
                            Dense(4, activation="softmax")], input_shape=(128, 128, 3))
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, epochs=5, validation_split=0.2)

    The layers and the training step are minicnn/sequential.py's; fit and the
    other verbs are Trainer's, above. model.inputs, model.outputs and each layer's
    output are symbolic tensors (training/symbolic.py), as Keras's, to build a model
    of the same layers: keras.Model(model.inputs, [layer.output, model.output])."""

    @property
    def inputs(self):
        return list(self._symbolic_ends()[0])

    @property
    def input(self):
        return self._symbolic_ends()[0][0]

    @property
    def outputs(self):
        return [self._symbolic_ends()[1]]

    @property
    def output(self):
        return self._symbolic_ends()[1]

    def _symbolic_ends(self):
        """(the input tensors, the output tensor): a functional chain's own, or the
        layers called symbolically on a keras.Input of the model's input shape, once
        for the layers the model has now."""
        self._require_built("inputs")
        if getattr(self, "symbolic_inputs", None):
            return self.symbolic_inputs, self.layers[-1].output
        key = (self.input_shape, tuple(id(layer) for layer in self.layers))
        ends = getattr(self, "_ends", None)
        if ends is None or ends[0] != key:
            start = x = symbolic.Input(shape=self.input_shape, dtype=self.dtype,
                                       name=f"{self.name}_input")
            for layer in self.layers:
                x = symbolic.call_symbolically(layer, x)
            self._ends = ends = (key, [start], x)
        return ends[1], ends[2]
