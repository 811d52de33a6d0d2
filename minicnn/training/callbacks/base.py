"""The Callback base class (Keras's hooks), History, and plain functions as callbacks."""
import base64

import numpy as np


class Callback:
    """Base class, with Keras's hooks. fit calls set_model, then on_train_begin;
    per epoch on_epoch_begin(epoch), per step on_train_batch_begin(step) and
    on_train_batch_end(step, logs) (logs: the running loss and accuracy), then
    on_epoch_end(epoch, logs); finally on_train_end, also when training ends
    with an error or an interrupt. Setting model.stop_training ends fit after
    the current epoch.

    Resuming. A callback that keeps something from one epoch to the next (the
    best value so far, a count of epochs without improvement, a learning-rate
    schedule's position) returns it from ``get_state()``, a JSON-able dict
    (arrays through ``encode_array``), and takes it back in ``set_state(state)``.
    A resumed fit calls set_state after every callback's on_train_begin and
    before the first epoch (``minicnn train`` saves each callback's state in its
    checkpoint after every epoch, and its --resume does so), so on_train_begin
    may reset freely. A callback that keeps nothing across epochs keeps the
    defaults: {} and nothing to restore."""

    model = None
    params = None  # fit's settings: {"verbose", "epochs", "steps"}, set before training

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def get_state(self):
        """What this callback carries from one epoch to the next, JSON-able; {} if nothing."""
        return {}

    def set_state(self, state):
        """Take back what get_state returned (after on_train_begin, before the first epoch)."""

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)  # Keras's: the older name answers too

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    # evaluate and predict call these (their callbacks=), and fit's validation the test ones
    def on_test_begin(self, logs=None):
        pass

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


class FunctionCallback(Callback):
    """Wraps a plain function f(epoch, logs), called after each epoch."""

    def __init__(self, function):
        self.function = function

    def on_epoch_end(self, epoch, logs=None):
        self.function(epoch, logs)


class History(Callback):
    """Records the logs: ``history[name]`` is a list with one value per epoch."""

    def __init__(self):
        self.history, self.epoch = {}, []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for name, value in logs.items():
            self.history.setdefault(name, []).append(value)


NO_VALIDATION = "fit has no validation data (validation_data or validation_split)"


def fit_validates(callback):
    """Whether the fit running ``callback`` has validation data: True, False, or None when
    nothing says (a callback driven by hand). Keras 3's params are verbose, epochs and steps
    only, so minicnn's fit keeps them so and says it on the model (``model.fit_validates``);
    Keras 2's params["do_validation"], when a caller gives it, is read first."""
    params = callback.params or {}
    if "do_validation" in params:
        return bool(params["do_validation"])
    return getattr(callback.model, "fit_validates", None)


def check_validation(owner, what, key, callback):
    """Before training: a ValueError when ``key`` (``what``: "monitor") is a val_ value and
    the fit running has no validation data, naming the callback, the key and the way out
    (monitor="val_loss" is Keras's default, and needs validation data). ModelCheckpoint
    checks its keys with the rest of what fit will log (files.not_logged)."""
    if key.startswith("val_") and fit_validates(callback) is False:
        raise ValueError(f"{owner}: {what} {key!r} is a value of the validation data, and "
                         f"{NO_VALIDATION}; give some, or monitor a training value such as "
                         f"'loss'")


def unlogged(owner, subject, key, logs):
    """The message for ``key`` missing from an epoch's logs: ``subject`` (the callback's
    words for it) and the values logged; for a val_ key when nothing of validation was
    logged, why."""
    message = f"{owner}: {subject} is not among the logged values {sorted(logs)}"
    if key.startswith("val_") and not any(name.startswith("val_") for name in logs):
        message += f"; {NO_VALIDATION}"
    return message


def monitor_mode(monitor, mode):
    """"min" or "max": the direction in which ``monitor`` improves ("auto": max for
    accuracy, AUC, precision and recall, min for the rest)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        return "max" if ("acc" in monitor or "auc" in monitor or "precision" in monitor
                         or "recall" in monitor) else "min"
    return mode


def initial_best(mode):
    """Where a monitored value's best starts, as Keras starts it: +infinity when lower
    is better, -infinity when higher is. Every finite value improves on it; NaN
    improves on nothing (a comparison with NaN is false), so a NaN epoch, first or
    not, is never the best one."""
    return float("inf") if mode == "min" else float("-inf")


def best_state(best):
    """The best value as get_state keeps it (JSON): None while no value improved
    (the best is still infinite), else the number."""
    return None if best is None or not np.isfinite(best) else float(best)


def best_from_state(best, mode, owner):
    """A best value set_state takes: a finite number, or None (no value yet)."""
    if best is None:
        return initial_best(mode)
    if isinstance(best, bool) or not isinstance(best, (int, float)) or not np.isfinite(best):
        raise ValueError(f"{owner}: best must be a finite number or null, got {best!r:.80}")
    return best


def encode_array(array):
    """A JSON-able form of an array that decodes bit for bit (decode_array)."""
    array = np.ascontiguousarray(array)
    return {"dtype": array.dtype.str, "shape": list(array.shape),
            "data": base64.b64encode(array.tobytes()).decode("ascii")}


def decode_array(spec, owner="callback state"):
    """The array encode_array gave; a ValueError naming ``owner`` for anything else."""
    try:
        dtype = np.dtype(spec["dtype"])
        shape = tuple(int(d) for d in spec["shape"])
        if dtype.kind != "f" or any(d < 0 for d in shape):
            raise ValueError(f"dtype {dtype}, shape {shape}")
        data = base64.b64decode(spec["data"], validate=True)
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{owner}: not an encoded float array ({error})") from None
