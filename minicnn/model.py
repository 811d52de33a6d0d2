"""Sequential: a stack of layers with Keras's verbs.

    model = Sequential([Conv2D(8, 3, activation="relu"), MaxPool2D(), Flatten(),
                        Dense(4, activation="softmax")], input_shape=(128, 128, 3))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, validation_split=0.2)

One training step is forward through every layer, the loss and its gradient,
backward through every layer in reverse (each layer fills its ``grads``), then
one optimizer update. The model talks to layers only through the Layer
contract (layers/base.py).

Softmax and cross-entropy are fused through that contract: a loss declares the
activation it absorbs (``loss.fused_activation = "softmax"``); when the last
layer ends in it, the loss takes that layer's ``pre_activation()`` (the
logits) and hands its gradient, (p - onehot) / N, to the layer's
``backward_from_pre_activation``. No p(1 - p) chain, no overflow.
"""
import time

import numpy as np

from minicnn import activations, losses, metrics as metrics_module, optimizers
from minicnn.batches import Batches, split_off_validation, validation_pair
from minicnn.callbacks import Callback, FunctionCallback, History, ProgressBar
from minicnn.inspection import layer_output, summary_text, trace
from minicnn.layers.base import Input, Layer


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

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    def parameters(self):
        """(name, param, grad) for every parameter, named "layer.key": the names
        the optimizer keys its state by and model files store the weights under."""
        return [(f"{layer.name}.{key}", param, layer.grads[key])
                for layer in self.layers for key, param in layer.params.items()]

    def summary(self, print_fn=print):
        """Print a Keras-style table: layer (type), output shape, parameter count."""
        self._require_built("summary")
        print_fn(summary_text(self))

    def compile(self, optimizer="adam", loss="categorical_crossentropy", metrics=("accuracy",)):
        """Choose the optimizer (object or "sgd"/"adam"), the loss (object or a
        Keras name) and the metrics (Keras names, "auc", or functions)."""
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self.metrics = [metrics_module.get(m) for m in (metrics or ())]

    # -- forward, loss, backward ---------------------------------------------
    def prepare_input(self, x):
        """x as a contiguous array of the model's dtype, building the model on first use."""
        x = np.asarray(x)
        if not self.built:
            self.build(x.shape[1:])
        return np.ascontiguousarray(x, dtype=self.dtype)

    def forward(self, x, training=False, times=None):
        """The output of the last layer; ``times`` (a list) collects each layer's seconds."""
        for layer in self.layers:
            start = time.perf_counter()
            x = layer.forward(x, training)
            if times is not None:
                times.append(time.perf_counter() - start)
        return x

    __call__ = forward

    def loss_is_fused(self):
        """True when the loss absorbs the last layer's activation (softmax cross-entropy)."""
        fused = getattr(self.loss, "fused_activation", None)
        return fused is not None and self.layers[-1].activation == fused

    def loss_value(self, output, y):
        """The loss of the last forward's output against y (the logits, when fused)."""
        return self.loss.forward(self.layers[-1].pre_activation() if self.loss_is_fused()
                                 else output, y)

    def backward(self, grad, from_pre_activation=False, input_grad=True, times=None):
        """Backward through every layer from dL/d(output) (or, with
        from_pre_activation, from dL/dz of the last layer's pre-activation).
        Returns dL/dx for the input batch; fills every layer's grads.
        input_grad=False lets the first layer skip dL/dx (fit does; returns None)."""
        for i in reversed(range(len(self.layers))):
            layer, start = self.layers[i], time.perf_counter()
            wants_input_grad = input_grad or i > 0
            if i == len(self.layers) - 1 and from_pre_activation:
                grad = layer.backward_from_pre_activation(grad, wants_input_grad)
            else:
                grad = layer.backward(grad, wants_input_grad)
            if times is not None:
                times.insert(0, time.perf_counter() - start)
        return grad

    def backward_loss(self, input_grad=True, times=None):
        """Backward from the gradient of the loss computed by the last loss_value."""
        return self.backward(self.loss.backward(), self.loss_is_fused(), input_grad, times)

    def probabilities(self, output):
        """Class probabilities from the output: a last layer without softmax gives logits."""
        return output if self.layers[-1].activation == "softmax" else activations.softmax(output)

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

    # -- one step ----------------------------------------------------------
    def train_step(self, x, y):
        """Forward, backward (no input gradient: nobody reads it), one update.
        Returns (loss, probabilities). A non-finite loss updates nothing."""
        loss, probs = self.compute_gradients(x, y, training=True, input_grad=False)
        if not np.isfinite(loss):
            raise FloatingPointError(f"the loss is {loss}; the weights were not updated "
                                     f"(lower the learning rate, or check the inputs for NaN)")
        self.optimizer.apply_gradients(self.parameters())
        return loss, probs

    def train_on_batch(self, x, y):
        """One forward, backward and optimizer update on a batch. Returns the loss."""
        return self.train_step(x, y)[0]

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
        if validation_split and validation_data is None:
            x, y, validation_data = split_off_validation(x, y, validation_split)
        batches = Batches(x, y, batch_size, shuffle, seed, steps_per_epoch)
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
            bar = ProgressBar(len(batches)) if verbose else None
            tally = metrics_module.EpochTally(self.metrics)
            for step, (xb, yb) in enumerate(batches, 1):
                try:
                    loss, probs = self.train_step(xb, yb)
                except FloatingPointError as error:
                    raise FloatingPointError(f"epoch {epoch + 1}, batch {step}: {error}") from None
                tally.add(loss, yb, probs)
                if bar:
                    bar.update(step, tally.running())
            logs = tally.result()
            if validation_data is not None:
                logs.update({f"val_{k}": v for k, v in
                             self._evaluate_logs(*validation_pair(validation_data), batch_size).items()})
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
        tally = metrics_module.EpochTally(self.metrics)
        for xb, yb in Batches(x, y, batch_size):
            output = self.forward(self.prepare_input(xb), training=False)
            tally.add(self.loss_value(output, yb), yb, self.probabilities(output))
        return tally.result()

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
        outputs = [self.probabilities(self.forward(self.prepare_input(xb), training=False))
                   for xb, _ in Batches(x, None, batch_size)]
        return np.concatenate(outputs) if outputs else np.zeros((0,) + self.output_shape)

    # -- looking inside ------------------------------------------------------
    def layer_output(self, x, layer):
        """The output of ``layer`` (an index or a name) for inputs x, in inference mode."""
        return layer_output(self, x, layer)

    def trace(self, x, y, print_fn=print):
        """One forward and backward on a batch, printing per layer the input and
        output shapes, forward and backward milliseconds, and the norms of the
        parameters and their gradients. Returns the rows as dicts. No update."""
        self._require_compiled("trace")
        return trace(self, x, y, print_fn)

    # -- weights and files (saving.py does the work) ---------------------------
    def get_weights(self):
        """Copies of every parameter, layer by layer."""
        return [param.copy() for _, param, _ in self.parameters()]

    def set_weights(self, weights):
        params = [param for _, param, _ in self.parameters()]
        if len(weights) != len(params):
            raise ValueError(f"set_weights: the model has {len(params)} arrays, got {len(weights)}")
        for param, value in zip(params, weights):
            if param.shape != np.shape(value):
                raise ValueError(f"set_weights: expected an array of shape {param.shape}, "
                                 f"got {np.shape(value)}")
        for param, value in zip(params, weights):
            param[...] = value

    # saving.py builds Sequential models, so it imports this module; these
    # methods import it when called.
    def save(self, path):
        """Write the architecture (JSON, with ``self.metadata``) and the weights into
        one .npz file, atomically."""
        from minicnn import saving
        self._require_built("save")
        saving.save_model(self, path)

    def save_weights(self, path):
        """Write the weights only, atomically, as .npz."""
        from minicnn import saving
        self._require_built("save_weights")
        saving.save_arrays(path, saving.weight_arrays(self))

    def load_weights(self, path):
        """Load weights saved by save or save_weights into this (built) model;
        every array must match a parameter by name and shape."""
        from minicnn import saving
        self._require_built("load_weights")
        saving.load_weights(self, path)

    def _require_built(self, verb):
        if not self.built:
            raise ValueError(f"{self.name}.{verb}: the model is not built; give input_shape, add an "
                             f"Input, call build(input_shape), or run it on data first")

    def _require_compiled(self, verb):
        if self.loss is None:
            raise ValueError(f"{self.name}.{verb}: call compile(optimizer, loss) first")
