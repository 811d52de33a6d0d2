"""Callbacks that write files after each epoch: ModelCheckpoint and CSVLogger."""
import os

from minicnn.training.callbacks.base import Callback, monitor_mode


class ModelCheckpoint(Callback):
    """Save the model after every epoch (or only when ``monitor`` improved, with
    save_best_only), atomically: a crash never leaves half a file. filepath may
    hold Keras's placeholders, e.g. "model-{epoch:02d}-{val_loss:.3f}.npz"
    (epoch counts from 1). save_weights_only writes the weights alone; otherwise
    the file holds the architecture, the weights and the optimizer's state.
    Resumable: get_state() holds the best value so far (save_best_only)."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto"):
        self.filepath, self.monitor, self.verbose = str(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.mode = monitor_mode(monitor, mode)
        self.best = None

    def get_state(self):
        return {"best": None if self.best is None else float(self.best)}

    def set_state(self, state):
        best = state.get("best") if isinstance(state, dict) else state
        if not isinstance(state, dict) or (best is not None and (
                isinstance(best, bool) or not isinstance(best, (int, float)))):
            raise ValueError(f"ModelCheckpoint.set_state: expected {{'best': a number or null}}, "
                             f"got {state!r:.80}")
        self.best = best

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

    file = None

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
        if self.file is not None:
            self.file.close()
            self.file = None
