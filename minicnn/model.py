"""Sequential: a stack of layers with Keras's verbs.

    model = Sequential([Conv2D(8, 3, activation="relu"), MaxPool2D(), Flatten(),
                        Dense(4, activation="softmax")], input_shape=(128, 128, 3))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, validation_split=0.2)

One training step is forward through every layer, the loss and its gradient,
backward through every layer in reverse (each layer fills its ``grads``), then
one optimizer update. When the last layer is a softmax and the loss is softmax
cross-entropy, the two are fused: the loss takes the logits, and its gradient
(p - onehot) / N goes straight to the layer's ``backward_from_logits``.
"""
import json
import os
import tempfile
import time
import zipfile

import numpy as np

from minicnn import activations, losses, metrics as metrics_module, optimizers
from minicnn.callbacks import Callback, FunctionCallback, History, ProgressBar
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from minicnn.layers.base import Input, Layer
from minicnn.seeding import make_rng

LAYER_CLASSES = {cls.__name__: cls for cls in (Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU)}
FILE_FORMAT = "minicnn-model"


class Sequential:
    def __init__(self, layers=None, input_shape=None, name=None):
        self.name = name or "sequential"
        self.layers = []
        self.input_shape = None
        self.dtype = np.dtype(np.float32)
        self.loss = self.optimizer = None
        self.metrics = []
        self.stop_training = False
        self.metadata = {}  # saved with the model: e.g. class names and preprocessing
        for layer in layers or []:
            self.add(layer)
        if input_shape is not None:
            self.build(input_shape)

    # -- construction ------------------------------------------------------
    def add(self, layer):
        """Append a layer (or an ``Input`` declaring the input shape)."""
        if isinstance(layer, Input):
            self.build(layer.shape, layer.dtype)
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"{self.name}.add: expected a minicnn layer, got {type(layer).__name__}")
        taken = {other.name for other in self.layers}
        if layer.name in taken:
            base, i = layer.name, 1
            while f"{base}_{i}" in taken:
                i += 1
            layer.name = f"{base}_{i}"
        self.layers.append(layer)
        if self.input_shape is not None:
            self.build(self.input_shape, self.dtype)

    def build(self, input_shape, dtype=None):
        """Infer every layer's shapes from the per-sample input shape and create
        the weights of layers not yet built. Returns the output shape."""
        dtype = self.dtype if dtype is None else np.dtype(dtype)
        self.input_shape, self.dtype = tuple(int(d) for d in input_shape), dtype
        shape = self.input_shape
        for i, layer in enumerate(self.layers):
            if not (layer.built and layer.input_shape == shape and layer.dtype == dtype):
                layer.build(shape, dtype)
            # the input batch needs no gradient: skip the first layer's col2im
            layer.needs_input_grad = i > 0
            shape = layer.output_shape
        return shape

    @property
    def built(self):
        return self.input_shape is not None and all(layer.built for layer in self.layers)

    @property
    def output_shape(self):
        return self.layers[-1].output_shape if self.layers else self.input_shape

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn=print):
        """Print a Keras-style table: layer (type), output shape, parameter count."""
        self._require_built("summary")
        rule = "_" * 65
        lines = [f'Model: "{self.name}"', rule,
                 f" {'Layer (type)':<28}{'Output Shape':<26}{'Param #':<10}", "=" * 65]
        for layer in self.layers:
            shape = "(None, " + ", ".join(map(str, layer.output_shape)) + ")"
            lines.append(f" {layer.name + ' (' + type(layer).__name__ + ')':<28}{shape:<26}"
                         f"{layer.count_params():<10,}")
        total = self.count_params()
        lines += ["=" * 65, f"Total params: {total:,}", f"Trainable params: {total:,}",
                  "Non-trainable params: 0", rule]
        print_fn("\n".join(lines))

    def compile(self, optimizer="adam", loss="categorical_crossentropy", metrics=("accuracy",)):
        """Choose the optimizer (object or "sgd"/"adam"), the loss (object or a
        Keras name) and the metrics (Keras names, "auc", or functions)."""
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self.metrics = [metrics_module.get(m) for m in (metrics or ())]

    # -- one step ----------------------------------------------------------
    @property
    def _fused_softmax(self):
        return (getattr(self.layers[-1], "activation", None) == "softmax"
                and isinstance(self.loss, losses.SoftmaxCrossEntropy))

    def _forward(self, x, training, times=None):
        for layer in self.layers:
            start = time.perf_counter()
            x = layer.forward(x, training)
            if times is not None:
                times.append(time.perf_counter() - start)
        return x

    def _backward(self, times=None):
        grad = self.loss.backward()
        for layer in reversed(self.layers):
            start = time.perf_counter()
            if layer is self.layers[-1] and self._fused_softmax:
                grad = layer.backward_from_logits(grad)
            else:
                grad = layer.backward(grad)
            if times is not None:
                times.insert(0, time.perf_counter() - start)

    def _loss(self, output, y):
        return self.loss.forward(self.layers[-1].z if self._fused_softmax else output, y)

    def _probabilities(self, output):
        """Class probabilities from the output: a plain last layer gives logits."""
        if getattr(self.layers[-1], "activation", None) == "softmax":
            return output
        return activations.softmax(output)

    def _prepare(self, x):
        x = np.asarray(x)
        if not self.built:
            self.build(x.shape[1:])
        return x.astype(self.dtype, copy=False)

    def compute_loss(self, x, y, training=False):
        """The loss on (x, y), forward only."""
        self._require_compiled("compute_loss")
        return self._loss(self._forward(self._prepare(x), training), y)

    def compute_gradients(self, x, y, training=True):
        """Forward and backward on (x, y): every layer's grads are filled.
        Returns (loss, class probabilities)."""
        self._require_compiled("compute_gradients")
        output = self._forward(self._prepare(x), training)
        loss = self._loss(output, y)
        self._backward()
        return loss, self._probabilities(output)

    def _param_items(self):
        return [(f"{layer.name}.{key}", param, layer.grads[key])
                for layer in self.layers for key, param in layer.params.items()]

    def _train_step(self, x, y):
        loss, probs = self.compute_gradients(x, y, training=True)
        if not np.isfinite(loss):
            raise FloatingPointError(f"the loss is {loss}; the weights were not updated "
                                     f"(lower the learning rate, or check the inputs for NaN)")
        self.optimizer.apply_gradients(self._param_items())
        return loss, probs

    def train_on_batch(self, x, y):
        """One forward, backward and optimizer update on a batch. Returns the loss."""
        return self._train_step(x, y)[0]

    def test_on_batch(self, x, y):
        """The loss on a batch, in inference mode (no dropout, no update)."""
        return self.compute_loss(x, y, training=False)

    # -- loops over data -----------------------------------------------------
    def fit(self, x, y=None, batch_size=32, epochs=1, verbose=1, validation_data=None,
            validation_split=0.0, shuffle=True, callbacks=None, steps_per_epoch=None, seed=None):
        """Train for ``epochs`` passes over arrays (x, y) or a loader iterator.

        Returns a History whose ``.history`` has "loss", each metric, and their
        "val_" twins when there is validation data, one value per epoch.
        A non-finite loss stops training with an error naming the epoch and the
        batch; the weights from before that step are kept.
        """
        self._require_compiled("fit")
        rng = make_rng(seed)
        if validation_split and validation_data is None:
            x, y, validation_data = _split_off_validation(x, y, validation_split)
        history = History()
        callbacks = [history] + [c if isinstance(c, Callback) else FunctionCallback(c)
                                 for c in (callbacks or [])]
        self.stop_training = False
        for callback in callbacks:
            callback.set_model(self)
            callback.on_train_begin()
        for epoch in range(epochs):
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}")
            batches = _Batches(x, y, batch_size, shuffle, rng, steps_per_epoch)
            bar = ProgressBar(len(batches)) if verbose else None
            tally = _Tally(self)
            for step, (xb, yb) in enumerate(batches, 1):
                try:
                    loss, probs = self._train_step(xb, yb)
                except FloatingPointError as error:
                    raise FloatingPointError(f"epoch {epoch + 1}, batch {step}: {error}") from None
                tally.add(loss, yb, probs)
                if bar:
                    bar.update(step, tally.logs(cheap=True))
            logs = tally.logs()
            if validation_data is not None:
                val_x, val_y = (validation_data if isinstance(validation_data, tuple)
                                else (validation_data, None))
                logs.update({f"val_{k}": v for k, v in
                             self._evaluate_logs(val_x, val_y, batch_size).items()})
            if bar:
                bar.update(len(batches), logs, final=True)
            batches.end_epoch()
            for callback in callbacks:
                callback.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for callback in callbacks:
            callback.on_train_end()
        return history

    def _evaluate_logs(self, x, y, batch_size):
        tally = _Tally(self)
        for xb, yb in _Batches(x, y, batch_size, shuffle=False):
            output = self._forward(self._prepare(xb), training=False)
            tally.add(self._loss(output, yb), yb, self._probabilities(output))
        return tally.logs()

    def evaluate(self, x, y=None, batch_size=32, verbose=0, return_dict=False):
        """Loss and metrics on arrays or a loader, in inference mode:
        [loss, metric, ...] (a dict with return_dict=True)."""
        self._require_compiled("evaluate")
        logs = self._evaluate_logs(x, y, batch_size)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        return logs if return_dict else list(logs.values())

    def predict(self, x, batch_size=32):
        """Class probabilities (N, K) for arrays or a loader (its images only)."""
        outputs = [self._probabilities(self._forward(self._prepare(xb), training=False))
                   for xb, _ in _Batches(x, None, batch_size, shuffle=False)]
        return np.concatenate(outputs) if outputs else np.zeros((0,) + self.output_shape)

    # -- looking inside ------------------------------------------------------
    def layer_output(self, x, layer):
        """The output of ``layer`` (an index or a name) for inputs x, in inference mode."""
        names = [current.name for current in self.layers]
        if not (isinstance(layer, int) and -len(names) <= layer < len(names)) and layer not in names:
            raise ValueError(f"{self.name}.layer_output: no layer {layer!r}; layers are {names}")
        index = layer if isinstance(layer, int) else names.index(layer)
        x = self._prepare(x)
        for current in self.layers[:index + 1]:
            x = current.forward(x, training=False)
        return x

    def trace(self, x, y, print_fn=print):
        """One forward and backward on a batch, printing per layer the input and
        output shapes, forward and backward milliseconds, and the norms of the
        parameters and their gradients. Returns the rows as dicts. No update."""
        self._require_compiled("trace")
        forward_times, backward_times = [], []
        x = self._prepare(x)
        loss = self._loss(self._forward(x, True, forward_times), y)
        self._backward(backward_times)
        rows = []
        for layer, t_forward, t_backward in zip(self.layers, forward_times, backward_times):
            norms = {k: (float(np.linalg.norm(p)), float(np.linalg.norm(layer.grads[k])))
                     for k, p in layer.params.items()}
            rows.append({"layer": layer.name, "type": type(layer).__name__, "input_shape": (len(x),) + layer.input_shape,
                         "output_shape": (len(x),) + layer.output_shape,
                         "forward_ms": 1000 * t_forward, "backward_ms": 1000 * t_backward,
                         "norms": norms})
        lines = [f"trace of one batch: loss {loss:.4f}",
                 f"{'layer':<22}{'input':<20}{'output':<20}{'fwd ms':>8}{'bwd ms':>8}  |param| / |grad|"]
        for r in rows:
            norms = ", ".join(f"{k}: {p:.3g} / {g:.3g}" for k, (p, g) in r["norms"].items())
            lines.append(f"{r['layer']:<22}{str(r['input_shape']):<20}{str(r['output_shape']):<20}"
                         f"{r['forward_ms']:>8.2f}{r['backward_ms']:>8.2f}  {norms}")
        print_fn("\n".join(lines))
        return rows

    # -- weights and files ----------------------------------------------------
    def get_weights(self):
        """Copies of every parameter, layer by layer."""
        return [p.copy() for layer in self.layers for p in layer.params.values()]

    def set_weights(self, weights):
        params = [p for layer in self.layers for p in layer.params.values()]
        if len(weights) != len(params):
            raise ValueError(f"set_weights: the model has {len(params)} arrays, got {len(weights)}")
        for param, value in zip(params, weights):
            if param.shape != np.shape(value):
                raise ValueError(f"set_weights: expected an array of shape {param.shape}, "
                                 f"got {np.shape(value)}")
            param[...] = value

    def _weight_dict(self):
        return {f"{layer.name}.{key}": p for layer in self.layers for key, p in layer.params.items()}

    def _architecture(self):
        return {"format": FILE_FORMAT, "version": 1, "name": self.name,
                "input_shape": list(self.input_shape), "dtype": self.dtype.name,
                "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                           for layer in self.layers],
                "metadata": self.metadata}

    def save(self, path):
        """Write the architecture (JSON, with ``self.metadata``) and the weights into
        one .npz file, atomically."""
        self._require_built("save")
        _atomic_savez(path, {"architecture": np.array(json.dumps(self._architecture())),
                             **self._weight_dict()})

    def save_weights(self, path):
        """Write the weights only, atomically, as .npz."""
        self._require_built("save_weights")
        _atomic_savez(path, self._weight_dict())

    def load_weights(self, path):
        """Load weights saved by save or save_weights into this (built) model;
        every array must match a parameter by name and shape."""
        self._require_built("load_weights")
        arrays = _read_npz(path)
        arrays.pop("architecture", None)
        self._set_weight_dict(arrays, path)

    def _set_weight_dict(self, arrays, source):
        expected = self._weight_dict()
        missing = sorted(set(expected) - set(arrays))
        extra = sorted(set(arrays) - set(expected))
        if missing or extra:
            raise ValueError(f"{source}: the weights do not match this model's architecture: "
                             f"missing {missing or 'nothing'}, unexpected {extra or 'nothing'}")
        for key, param in expected.items():
            if arrays[key].shape != param.shape:
                raise ValueError(f"{source}: {key} has shape {arrays[key].shape}, "
                                 f"the model expects {param.shape}")
        for key, param in expected.items():
            param[...] = arrays[key]

    def _require_built(self, verb):
        if not self.built:
            raise ValueError(f"{self.name}.{verb}: the model is not built; give input_shape, add an "
                             f"Input, call build(input_shape), or run it on data first")

    def _require_compiled(self, verb):
        if self.loss is None:
            raise ValueError(f"{self.name}.{verb}: call compile(optimizer, loss) first")


def load_model(path):
    """A Sequential model from a file written by ``model.save``."""
    arrays = _read_npz(path)
    if "architecture" not in arrays:
        raise ValueError(f"{path}: holds weights but no architecture (written by save_weights?); "
                         f"build the model and call load_weights instead")
    try:
        arch = json.loads(str(arrays.pop("architecture")))
        if arch.get("format") != FILE_FORMAT:
            raise ValueError(f"format {arch.get('format')!r}, expected {FILE_FORMAT!r}")
        layers = []
        for spec in arch["layers"]:
            if spec["class_name"] not in LAYER_CLASSES:
                raise ValueError(f"unknown layer class {spec['class_name']!r}")
            layers.append(LAYER_CLASSES[spec["class_name"]](**spec["config"]))
        model = Sequential(layers, name=arch["name"])
        model.build(arch["input_shape"], arch["dtype"])
        model.metadata = arch.get("metadata", {})
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a valid minicnn model architecture ({error})") from None
    model._set_weight_dict(arrays, path)
    return model


def _read_npz(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such model or weights file")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: cannot read it as a minicnn .npz file ({error})") from None


def _atomic_savez(path, arrays):
    """np.savez into a temporary file beside ``path``, then os.replace: a crash
    mid-write never leaves a half-written file under the real name."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _split_off_validation(x, y, fraction):
    """Keras's validation_split: the last ``fraction`` of the arrays, before shuffling."""
    if not isinstance(x, np.ndarray) or y is None:
        raise ValueError("fit: validation_split works with arrays (x, y); for a loader, pass "
                         "validation_data (e.g., a subset='validation' iterator)")
    if not 0 < fraction < 1:
        raise ValueError(f"fit: validation_split must be in (0, 1), got {fraction}")
    cut = int(len(x) * (1 - fraction))
    return x[:cut], y[:cut], (x[cut:], y[cut:])


class _Batches:
    """(x, y) batches from arrays, or from a loader: anything with __len__ and
    __getitem__ (a Keras Sequence, minicnn's iterators) or with __next__."""

    def __init__(self, x, y, batch_size, shuffle, rng=None, steps=None):
        self.x, self.y, self.batch_size = x, y, int(batch_size)
        self.arrays = isinstance(x, (np.ndarray, list))
        if self.arrays:
            self.x = np.asarray(x)
            if y is not None and len(y) != len(self.x):
                raise ValueError(f"x has {len(self.x)} samples but y has {len(y)}")
            n = len(self.x)
            self.order = (rng or make_rng()).permutation(n) if shuffle else np.arange(n)
            self.steps = steps or -(-n // self.batch_size)
        elif hasattr(x, "__len__"):
            self.steps = steps or len(x)
        elif steps is None:
            raise ValueError("steps_per_epoch is needed for a loader without __len__")
        else:
            self.steps = steps

    def __len__(self):
        return self.steps

    def __iter__(self):
        for i in range(self.steps):
            if self.arrays:
                n = len(self.x)
                index = self.order[(i * self.batch_size) % n:][:self.batch_size]
                yield self.x[index], (None if self.y is None else np.asarray(self.y)[index])
            else:
                batch = self.x[i % len(self.x)] if hasattr(self.x, "__getitem__") else next(self.x)
                if isinstance(batch, tuple):
                    yield batch[0], (batch[1] if len(batch) > 1 else None)
                else:
                    yield batch, None

    def end_epoch(self):
        if not self.arrays and hasattr(self.x, "on_epoch_end"):
            self.x.on_epoch_end()


class _Tally:
    """Accumulates an epoch's losses, targets and predictions; the metrics are
    computed over the whole epoch, not averaged over batches."""

    def __init__(self, model):
        self.model = model
        self.loss_sum, self.count, self.targets, self.probs = 0.0, 0, [], []

    def add(self, loss, y, probs):
        self.loss_sum += loss * len(probs)
        self.count += len(probs)
        self.targets.append(np.asarray(y))
        self.probs.append(probs)

    def logs(self, cheap=False):
        logs = {"loss": self.loss_sum / max(self.count, 1)}
        if not self.count:
            return logs
        y, probs = np.concatenate(self.targets), np.concatenate(self.probs)
        for name, function in self.model.metrics:
            if cheap and name != "accuracy":
                continue
            logs[name] = float(function(y, probs))
        return logs
