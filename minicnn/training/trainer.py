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
from minicnn.training import batches, metric_names, metrics as metrics_module, outputs, symbolic
from minicnn.training.saving import reading, writing
from minicnn.training.callbacks import CallbackList, History, ProgressBar
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
        # whether the fit running has validation data (None outside fit): Keras 3's
        # callback params do not say, and ModelCheckpoint and EarlyStopping check a val_
        # monitor against it before the first step (callbacks/base.py: fit_validates)
        self.fit_validates = None
        self.class_weight = None
        self._training_lock = threading.RLock()

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, jit_compile=None,
                steps_per_execution=None, auto_scale_loss=None, **unsupported):
        """Choose the optimizer (object or a Keras name; Keras's default "rmsprop"), the
        loss (object, Keras name or function f(y_true, y_pred)) and the metrics (Keras
        names, objects, or functions; none by default, as Keras: then evaluate returns
        the loss alone). Sample and class weights weigh the loss and weighted_metrics,
        not metrics (Keras's rule). A model with several outputs takes loss,
        loss_weights and metrics as lists or as dicts by output name (training/outputs.py).
        run_eagerly, jit_compile, steps_per_execution and auto_scale_loss mean nothing
        here (minicnn runs every step as Python, one batch at a time) and are ignored."""
        if unsupported:
            raise ValueError(f"{self.name}.compile: minicnn has no "
                             f"{', '.join(sorted(unsupported))}")
        names = outputs.output_names(self) if getattr(self, "symbolic_outputs", None) else []
        several = len(names) > 1 and loss is not None
        if len(names) == 1 and isinstance(loss, (dict, list, tuple)):
            loss = outputs.by_position(loss, names, "loss", "compile")[0]
        if len(names) == 1 and isinstance(metrics, dict):
            metrics = outputs.by_position(metrics, names, "metrics", "compile")[0]
        # several outputs: the core's compile gets no loss (its warning would read the last
        # output's layer against the first loss); OutputsLoss checks and warns output by output
        super().compile(optimizer, None if several else loss)
        self.run_eagerly = bool(run_eagerly)
        if several:
            self.loss = outputs.OutputsLoss(names, loss, loss_weights)
            self.loss.warn_if_read_as_probabilities(self)
            made = outputs.compile_metrics(names, self.loss, metrics)
        else:
            made = metric_names.compile_metrics([metrics] if isinstance(
                metrics, (str, metrics_module.Metric)) else metrics)
        if weighted_metrics:
            weighted = metric_names.compile_metrics(
                list(made) + list(weighted_metrics))[len(made):]  # named apart from the others
            for metric in weighted:
                metric.weighted = True
            made = list(made) + weighted
        self.compiled_metrics = metrics_module.CompileMetrics(made)
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
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One forward, backward and optimizer update on a batch (the step fit
        takes). Returns the batch's loss, or, compiled with metrics, [loss, metric,
        ...] (a dict with return_dict=True), as Keras 3 returns them."""
        self._require_compiled("train_on_batch")
        x, y = self.batch_data(x, y, "train_on_batch")
        if class_weight is not None:
            sample_weight = losses.class_weight_to_sample_weights(y, class_weight)
        with self._training("train_on_batch"):
            made = self.fit_step()(x, y, sample_weight)
        if isinstance(made, dict):  # a train_step(data) of one's own: its logs
            return self.keras_result(flat_logs(made), return_dict)
        loss, probabilities = made
        return self.keras_result(self.batch_logs(loss, y, probabilities, sample_weight),
                                 return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) of a batch, in inference mode (no dropout, no update),
        returned as train_on_batch returns them."""
        self._require_compiled("test_on_batch")
        x, y = self.batch_data(x, y, "test_on_batch")
        output = self.inference_forward()(self.prepare_input(x), training=False)
        if isinstance(output, list):
            loss = float(value_of(self.compute_loss(None, y, [Tensor(o) for o in output],
                                                    sample_weight)))
        else:
            loss = self.loss_value(output, y, sample_weight)
        return self.keras_result(self.batch_logs(loss, y, self.probabilities(output),
                                                 sample_weight), return_dict)

    def batch_data(self, x, y, owner):
        """One batch's inputs and targets as the model takes them (lists for several)."""
        x, y = plain(x), plain(y)
        if self.takes_several(x, y):
            xs = outputs.arrays_for(x, outputs.input_names(self), "x", owner,
                                    outputs.input_shapes(self))
            ys = None if y is None else outputs.arrays_for(y, outputs.output_names(self), "y",
                                                           owner)
            one = lambda items: items[0] if items is not None and len(items) == 1 else items  # noqa: E731
            return one(xs), one(ys)
        return self.single_input(x, owner), self.single_output(y, owner)

    def batch_logs(self, loss, y, probabilities, sample_weight):
        """{"loss": ..., metric: ...} of one batch."""
        tally = metrics_module.EpochTally(self.compiled_metrics.metrics)
        tally.add(loss, y, probabilities, sample_weight)
        return tally.result()

    @staticmethod
    def keras_result(logs, return_dict):
        """Logs as Keras's *_on_batch return them: the dict, the loss alone, or a list."""
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

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
        if self.takes_several(x, y):  # several inputs or outputs: a loader of lists of arrays
            x, validation_data = self.several_for_fit(x, y, sample_weight, batch_size,
                                                      validation_split, validation_data,
                                                      shuffle, seed)
            y = sample_weight = None
            validation_split = 0.0
        else:
            x, y = self.single_input(x, "fit"), self.single_output(y, "fit")
        train, validation, self.class_weight = batches.fit_batches(
            x, y, batch_size, validation_split, validation_data, shuffle, class_weight,
            sample_weight, initial_epoch, epochs, steps_per_epoch, validation_steps,
            validation_batch_size, seed, model=self)
        self.history = History()
        # Keras's order: the user's callbacks, then History, so that it records what
        # they add to the logs (the learning rate)
        callbacks = CallbackList(callbacks)
        callbacks.append(self.history)
        # Keras 3's params exactly (no Keras 2 "do_validation": self.fit_validates says it)
        callbacks.set_params({"verbose": verbose, "epochs": epochs, "steps": len(train)})
        verbose = 1 if verbose == "auto" else verbose
        self.stop_training = False
        train_step = self.fit_step()
        with self._training("fit"), self._validating(validation is not None):
            callbacks.set_model(self)
            callbacks.on_train_begin()
            try:
                for epoch in range(initial_epoch, epochs):
                    if verbose:
                        print(f"Epoch {epoch + 1}/{epochs}")
                    self._fit_epoch(epoch, train, validation, train_step, callbacks, verbose)
                    if self.stop_training:
                        break
            finally:  # also after an error or Ctrl-C: callbacks close their files
                callbacks.on_train_end(dict(getattr(self, "last_logs", {})))
        return self.history

    @property
    def computes_its_own_loss(self):
        """A train_step(self, data) of one's own may compute any loss: compile without one."""
        return overrides_keras_step(self, "train_step")

    def inference_forward(self):
        """The forward evaluate and predict run: ``forward``, or, with the fast ops on, the
        same computed faster (parallel.forward_for: the fused ops of the fast step)."""
        return parallel.forward_for(self)

    def fit_step(self):
        """The step fit runs on each batch: a train_step(self, data) of the model's own
        (Keras's override, which returns its logs), else ``train_step`` itself, or,
        with the fast ops on, the same step computed faster (parallel.train_step_for)."""
        if overrides_keras_step(self, "train_step"):
            return lambda x, y, w: self.train_step((x, y) if w is None else (x, y, w))
        return parallel.train_step_for(self)

    def _fit_epoch(self, epoch, train, validation, train_step, callbacks, verbose):
        callbacks.on_epoch_begin(epoch)
        bar = ProgressBar(len(train)) if verbose else None
        wants_running_logs = verbose or len(callbacks.callbacks) > 1  # else nobody reads them
        tally = metrics_module.EpochTally(self.compiled_metrics.metrics)
        self.reset_metrics()  # as Keras, for a train_step of one's own
        logs = {}
        for step, (xb, yb, wb) in enumerate(train):
            callbacks.on_train_batch_begin(step)
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
            callbacks.on_train_batch_end(step, running)
        logs = logs or tally.result()
        if validation is not None:
            logs.update({f"val_{k}": v
                         for k, v in self._evaluate_logs(validation, callbacks).items()})
        train.end_epoch()
        callbacks.on_epoch_end(epoch, logs)
        self.last_logs = logs
        if bar:  # after the callbacks, as Keras's progress bar: it shows what they logged
            bar.update(len(train), logs, final=True)

    def _evaluate_logs(self, data, callbacks=None):
        """The loss and metrics over ``data``; the callbacks' test hooks around it."""
        callbacks = callbacks if callbacks is not None else CallbackList()
        callbacks.on_test_begin()
        if overrides_keras_step(self, "test_step"):
            self.reset_metrics()
            logs = {}
            for step, (xb, yb, wb) in enumerate(data):
                callbacks.on_test_batch_begin(step)
                logs = flat_logs(self.test_step((xb, yb) if wb is None else (xb, yb, wb)))
                callbacks.on_test_batch_end(step, logs)
            callbacks.on_test_end(logs)
            return logs
        tally = metrics_module.EpochTally(self.compiled_metrics.metrics)
        for step, (xb, yb, wb) in enumerate(data):
            callbacks.on_test_batch_begin(step)
            output = self.inference_forward()(self.prepare_input(xb), training=False)
            if isinstance(output, list):  # several outputs: the loss of them all
                loss = float(value_of(self.compute_loss(None, yb, [Tensor(o) for o in output],
                                                        wb)))
            else:
                loss = self.loss_value(output, yb, wb)
            tally.add(loss, yb, self.probabilities(output), wb)
            callbacks.on_test_batch_end(step, tally.result(cheap=True))
        logs = tally.result()
        callbacks.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose=0, sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on arrays or a loader, in inference mode, as Keras
        returns them: [loss, metric, ...], the loss alone (a float) when compiled
        without metrics, a dict with return_dict=True. callbacks: their on_test_* hooks."""
        self._require_compiled("evaluate")
        self._require_layers("evaluate")
        x, y = plain(x), plain(y)
        batch_size = batches.batch_size_or_default("evaluate", batch_size)
        if self.takes_several(x, y):
            x = self.several(x, y, sample_weight, batch_size, "evaluate")
            y = sample_weight = None
        else:
            x, y = self.single_input(x, "evaluate"), self.single_output(y, "evaluate")
        if batches.is_arrays(x) and y is None:
            raise ValueError("evaluate: y (the targets) is needed when x is an array")
        data = batches.Batches(x, y, sample_weight, batch_size, steps=steps, owner="evaluate")
        callbacks = CallbackList(callbacks, model=self, verbose=verbose, steps=len(data))
        logs = self._evaluate_logs(data, callbacks)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None):
        """The last layer's output for arrays or a loader (its images only), in
        inference mode, as Keras returns it: class probabilities for a model
        ending in softmax. Several outputs: a list of arrays (a dict by name when the
        model's outputs were given as a dict). callbacks: their on_predict_* hooks."""
        self._require_layers("predict")
        x = plain(x)
        batch_size = batches.batch_size_or_default("predict", batch_size)
        if self.takes_several(x, None):
            x = self.several(x, None, None, batch_size, "predict")
        else:
            x = self.single_input(x, "predict")
        if batches.is_arrays(x) and len(np.asarray(x)) == 0:
            x = self.prepare_input(x)  # builds an unbuilt model from x's shape
            return np.zeros((0,) + self.per_sample_output_shape, dtype=self.dtype)
        data = batches.Batches(x, None, None, batch_size, steps=steps, owner="predict")
        callbacks = CallbackList(callbacks, model=self, verbose=verbose, steps=len(data))
        callbacks.on_predict_begin()
        parts = []
        for step, (xb, _, _) in enumerate(data):
            callbacks.on_predict_batch_begin(step)
            parts.append(self.inference_forward()(self.prepare_input(xb), training=False))
            callbacks.on_predict_batch_end(step, {"outputs": parts[-1]})
        callbacks.on_predict_end()
        if isinstance(parts[0], list):  # a model with several outputs: one array each
            return self.as_output_structure([np.concatenate(out) for out in zip(*parts)])
        return np.concatenate(parts)

    def predict_on_batch(self, x):
        """The outputs for one batch x, in inference mode (NumPy arrays, as predict)."""
        self._require_layers("predict_on_batch")
        x = plain(x)
        x = self.batch_data(x, None, "predict_on_batch")[0]
        output = self.inference_forward()(self.prepare_input(x), training=False)
        return self.as_output_structure(output) if isinstance(output, list) else output

    def predict_step(self, data):
        """Keras's: the outputs for one batch (data: x, or (x, ...)); override to change
        what predict_on_batch computes in a model of one's own."""
        x = data[0] if isinstance(data, tuple) else data
        return self(x, training=False)

    def test_step(self, data):
        """Keras's default: the loss and metrics of one batch, (x, y[, sample_weight]),
        in inference mode, as {name: value}; a subclass overrides it (evaluate runs it)."""
        x, y, w = tuple(data) + (None,) * (3 - len(data))
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, w)
        self.loss_tracker.update_state(loss)
        return self.compute_metrics(x, y, y_pred, w)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Keras's: update the compiled metrics with a batch; their results, {name: value}."""
        probabilities = (y_pred if isinstance(y_pred, (list, tuple))
                         else self.probabilities(np.asarray(value_of(y_pred))))
        self.compiled_metrics.update_state(y, probabilities, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """{name: value} of every metric (the loss's tracker and the compiled ones)."""
        return flat_logs({metric.name: metric.result() for metric in self.metrics})

    @property
    def compiled(self):
        return getattr(self, "optimizer", None) is not None

    @property
    def compiled_loss(self):
        """Keras's: the compiled loss, loss(y_true, y_pred, sample_weight) -> a tensor."""
        return self.loss

    # -- several inputs and outputs (training/outputs.py) ------------------------------------
    @property
    def output_names(self):
        return outputs.output_names(self)

    @property
    def inputs(self):
        """A functional model's keras.Input tensors (the Sequential below makes its own)."""
        return list(getattr(self, "symbolic_inputs", None) or [])

    @property
    def input(self):
        ends = self.inputs
        return ends[0] if len(ends) == 1 else ends

    @property
    def outputs(self):
        return list(getattr(self, "symbolic_outputs", None) or [])

    @property
    def output(self):
        ends = self.outputs
        return ends[0] if len(ends) == 1 else ends

    def takes_several(self, x, y):
        """Whether the data go to several inputs or outputs (lists of arrays, or dicts)."""
        return (len(outputs.input_names(self)) > 1 or len(outputs.output_names(self)) > 1
                if getattr(self, "symbolic_outputs", None) else False)

    def several(self, x, y, sample_weight, batch_size, owner, shuffle=False, seed=None):
        """A loader of (inputs, targets, weights) batches, each a list in the model's order."""
        x_names, y_names = outputs.input_names(self), outputs.output_names(self)
        x_list = outputs.arrays_for(x, x_names, "x", owner, outputs.input_shapes(self))
        y_list = None if y is None else outputs.arrays_for(y, y_names, "y", owner)
        outputs.check_lengths(owner, zip(x_names, x_list),
                              None if y_list is None else zip(y_names, y_list), sample_weight)
        return batches.Several(x_list, y_list, sample_weight, batch_size or 32, shuffle, seed,
                               owner)

    def several_for_fit(self, x, y, sample_weight, batch_size, validation_split, validation_data,
                        shuffle, seed):
        """fit's training loader and validation loader (or None) for several inputs or outputs."""
        if not isinstance(x, (np.ndarray, list, tuple, dict)) and batches.is_loader(x):
            return x, validation_data  # a loader of (inputs, targets) batches already
        if y is None:
            raise ValueError("fit: y (the targets) is needed when x holds arrays")
        size = batches.batch_size_or_default("fit", batch_size)
        train = self.several(x, y, sample_weight, size, "fit", shuffle, seed)
        if validation_split and validation_data is None:
            part, held_out = train.split(validation_split)
            train = batches.Several(*part, size, shuffle, seed)
            validation_data = batches.Several(*held_out, size)
        elif isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
            vx, vy, vw = tuple(validation_data) + (None,) * (3 - len(validation_data))
            validation_data = self.several(vx, vy, vw, size, "fit (validation_data)")
        return train, validation_data

    def single_input(self, x, owner):
        """x given as a list of one array, or a dict by the input's name, as the array;
        for a functional model, its rank adjusted as Keras's (outputs.adjust_rank)."""
        names = outputs.input_names(self)
        if isinstance(x, dict) or (isinstance(x, (list, tuple)) and len(x) == 1 and names):
            x = outputs.arrays_for(x, names or list(x), "x", owner)[0]
        if names and isinstance(x, np.ndarray):
            x = outputs.adjust_rank(x, outputs.input_shapes(self)[0])
        return x

    def single_output(self, y, owner):
        names = outputs.output_names(self) if getattr(self, "symbolic_outputs", None) else []
        if isinstance(y, dict):
            return outputs.arrays_for(y, names or list(y), "y", owner)[0]
        return y

    def as_output_structure(self, arrays):
        """Several outputs as Keras gives them back: a dict by name when the model's
        outputs were a dict, else a list."""
        if isinstance(getattr(self, "output_structure", None), dict):
            return dict(zip(outputs.output_names(self), arrays))
        return list(arrays)

    def to_json(self, **kwargs):
        """The architecture as Keras's JSON (keras.models.model_from_json reads it back,
        and so does Keras, for the layers both have: compat/keras/saving)."""
        import json
        from minicnn.compat.keras.saving.model_config import model_to_config
        self._require_built("to_json")
        return json.dumps(model_to_config(self), **kwargs)

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

    @contextlib.contextmanager
    def _validating(self, validates):
        """``fit_validates`` for the length of one fit: whether it has validation data,
        which the callbacks may ask from on_train_begin on (Keras 3's params do not say)."""
        self.fit_validates = validates
        try:
            yield
        finally:
            self.fit_validates = None

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
    taking one ``data`` argument, rather than minicnn's train_step(x, y, sample_weight)
    (or Trainer's own test_step, Keras's default, which evaluate computes its own way)."""
    method = getattr(type(model), name, None)
    if method is None or method in (getattr(sequential.Sequential, name, None),
                                    getattr(Trainer, name, None)):
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

    def pop(self, rebuild=True):
        """Remove the last layer (Keras's Sequential.pop) and return it."""
        if not self.layers:
            raise TypeError(f"{self.name}.pop: there are no layers in the model")
        layer = self.layers.pop()
        layer.container = None
        self._ends = None
        return layer

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
