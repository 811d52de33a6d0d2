"""What fit calls around each epoch: History, EarlyStopping, plain functions,
and the progress bar."""
import os
import sys
import time

import numpy as np


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


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than min_delta for
    ``patience`` epochs, as Keras counts them (patience=1: stop after the first
    epoch without improvement). mode "min", "max", or "auto" (max for accuracy
    and AUC, min otherwise). With restore_best_weights, the weights of the best
    epoch are put back when training ends, early or not (as Keras 3 does).
    """

    def __init__(self, monitor="val_loss", patience=0, mode="auto", min_delta=0.0,
                 restore_best_weights=False, verbose=0):
        self.monitor, self.patience = monitor, int(patience)
        self.mode = _monitor_mode(monitor, mode)
        self.min_delta, self.restore_best_weights, self.verbose = abs(min_delta), restore_best_weights, verbose

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.best_weights, self.wait = None, None, None, 0
        self.stopped_epoch = None

    def _improved(self, value):
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping: monitor {self.monitor!r} is not among the logged "
                             f"values {sorted(logs)}")
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience and epoch > 0:
            self.model.stop_training = True
            self.stopped_epoch = epoch

    def on_train_end(self, logs=None):
        if self.stopped_epoch is not None and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping; best {self.monitor} "
                  f"{self.best:.4f} at epoch {self.best_epoch + 1}")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


def _monitor_mode(monitor, mode):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        return "max" if ("acc" in monitor or "auc" in monitor or "precision" in monitor
                         or "recall" in monitor) else "min"
    return mode


class ModelCheckpoint(Callback):
    """Save the model after every epoch (or only when ``monitor`` improved, with
    save_best_only), atomically: a crash never leaves half a file. filepath may
    hold Keras's placeholders, e.g. "model-{epoch:02d}-{val_loss:.3f}.npz"
    (epoch counts from 1). save_weights_only writes the weights alone; otherwise
    the file holds the architecture, the weights and the optimizer's state."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto"):
        self.filepath, self.monitor, self.verbose = str(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.mode = _monitor_mode(monitor, mode)
        self.best = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            if self.monitor not in logs:
                raise ValueError(f"ModelCheckpoint: monitor {self.monitor!r} is not among the "
                                 f"logged values {sorted(logs)}")
            value = logs[self.monitor]
            better = (self.best is None or (value < self.best if self.mode == "min"
                                            else value > self.best))
            if not better:
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved to {value:.5f}, saving {path}")
            self.best = value
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class CSVLogger(Callback):
    """Append one line per epoch to a CSV file: epoch, then every logged value
    (Keras's layout); append=False starts the file anew."""

    def __init__(self, filename, separator=",", append=False):
        self.filename, self.separator, self.append = str(filename), separator, append

    def on_train_begin(self, logs=None):
        self.keys = None
        exists = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename)
        self.file = open(self.filename, "a" if self.append else "w")
        self.write_header = not exists

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.write_header:
                self.file.write(self.separator.join(["epoch"] + self.keys) + "\n")
        values = [str(epoch)] + [repr(float(logs[k])) if k in logs else "NA" for k in self.keys]
        self.file.write(self.separator.join(values) + "\n")
        self.file.flush()

    def on_train_end(self, logs=None):
        self.file.close()


class ProgressBar:
    """A Keras-style bar for one epoch:

        12/40 [========>.....................] - ETA: 3s - loss: 0.6931 - accuracy: 0.5000

    It fits where it runs: on a terminal it redraws in place (at most ten times a
    second); in Jupyter it updates one display; elsewhere (a log file, nohup, CI)
    it writes a line every ``interval`` seconds (step, ETA, running loss and
    accuracy), so a long epoch is never silent, and the final line of the epoch.
    """

    def __init__(self, steps, width=30, stream=None, interval=10.0):
        self.steps, self.width, self.interval = steps, width, interval
        self.stream = stream or sys.stdout
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.display = None
        if not self.interactive and self.stream is sys.stdout and _in_jupyter():
            from IPython.display import display
            self.display = display({"text/plain": ""}, raw=True, display_id=True)
        self.start = self.last_draw = time.perf_counter()

    def update(self, step, logs, final=False):
        now = time.perf_counter()
        every = 0.1 if self.interactive else 0.5 if self.display else self.interval
        if not final and now - self.last_draw < every:
            return
        self.last_draw = now
        line = self._line(step, logs, final, now - self.start)
        if self.display is not None:
            self.display.update({"text/plain": line}, raw=True)
            if not final:
                return
            self.display = None  # the epoch's last line goes to the output as text too
        elif self.interactive:
            self.stream.write("\r" + line + ("\n" if final else ""))
            self.stream.flush()
            return
        self.stream.write(line + "\n")
        self.stream.flush()

    def _line(self, step, logs, final, elapsed):
        steps = self.steps or step
        done = int(self.width * step / steps) if steps else self.width
        bar = "=" * max(done - 1, 0) + (">" if done < self.width else "=") + "." * (self.width - done)
        if final:
            timing = f"{elapsed:.0f}s {1000 * elapsed / max(step, 1):.0f}ms/step"
        else:
            timing = f"ETA: {elapsed / step * (steps - step):.0f}s"
        values = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items() if np.isscalar(v))
        return f"{step}/{steps} [{bar}] - {timing}" + (f" - {values}" if values else "")


def _in_jupyter():
    """True inside a Jupyter kernel (where print goes to a notebook, not a terminal)."""
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
        return type(get_ipython()).__name__ == "ZMQInteractiveShell"
    except ImportError:
        return False
