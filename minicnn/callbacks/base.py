"""The Callback base class (Keras's hooks), History, and plain functions as callbacks."""


class Callback:
    """Base class, with Keras's hooks. fit calls set_model, then on_train_begin;
    per epoch on_epoch_begin(epoch), per step on_train_batch_begin(step) and
    on_train_batch_end(step, logs) (logs: the running loss and accuracy), then
    on_epoch_end(epoch, logs); finally on_train_end, also when training ends
    with an error or an interrupt. Setting model.stop_training ends fit after
    the current epoch."""

    model = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
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


def monitor_mode(monitor, mode):
    """"min" or "max": the direction in which ``monitor`` improves ("auto": max for
    accuracy, AUC, precision and recall, min for the rest)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        return "max" if ("acc" in monitor or "auc" in monitor or "precision" in monitor
                         or "recall" in monitor) else "min"
    return mode
