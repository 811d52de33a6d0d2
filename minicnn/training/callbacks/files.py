"""Callbacks that write files after each epoch: ModelCheckpoint and CSVLogger."""
import os
import re
import string

from minicnn.training.callbacks.base import (NO_VALIDATION, Callback, best_from_state, best_state,
                                              fit_validates, initial_best, monitor_mode, unlogged)


class ModelCheckpoint(Callback):
    """Save the model after every epoch (or only when ``monitor`` improved, with
    save_best_only), atomically: a crash never leaves half a file. filepath may
    hold Keras's placeholders, e.g. "model-{epoch:02d}-{val_loss:.3f}.npz"
    (epoch counts from 1). save_weights_only writes the weights alone; otherwise
    the file holds the architecture, the weights and the optimizer's state.
    Resumable: get_state() holds the best value so far (save_best_only).

    Checked before training: every placeholder names a value fit will log (epoch,
    loss, the compiled metrics, their val_ versions when fit has validation data:
    base.fit_validates, as Keras 3's params do not say), and so does ``monitor`` with
    save_best_only (Keras 3 warns, then saves every epoch); a weights-only
    file is .npz or Keras's .weights.h5 (a .keras file holds a whole model), as
    Keras 3 checks. The best starts at +-infinity, as Keras's: a NaN value never
    improves, so a NaN first epoch saves nothing and does not become the best."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto"):
        self.filepath, self.monitor, self.verbose = str(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.mode = monitor_mode(monitor, mode)
        self.best = initial_best(self.mode)
        self.keys = template_keys(self.filepath)
        lowered = self.filepath.lower()
        if save_weights_only and lowered.endswith(".keras"):
            raise ValueError(f"ModelCheckpoint: with save_weights_only=True, filepath must end "
                             f"in .weights.h5 (Keras's weights file) or .npz; a .keras file holds "
                             f"a whole model. Received: filepath={self.filepath!r}")
        if not save_weights_only and lowered.endswith(".weights.h5"):
            raise ValueError(f"ModelCheckpoint: a .weights.h5 file holds weights only: give "
                             f"save_weights_only=True, or a filepath ending in .keras or .npz. "
                             f"Received: filepath={self.filepath!r}")

    def get_state(self):
        return {"best": best_state(self.best)}

    def set_state(self, state):
        if not isinstance(state, dict):
            raise ValueError(f"ModelCheckpoint.set_state: expected {{'best': a number or null}}, "
                             f"got {state!r:.80}")
        self.best = best_from_state(state.get("best"), self.mode, "ModelCheckpoint.set_state")

    def on_train_begin(self, logs=None):
        logged = logged_keys(self.model, fit_validates(self))
        wanted = [(key, "filepath") for key in self.keys]
        if self.save_best_only:
            wanted.append((self.monitor, "monitor"))
        for key, where in wanted:
            problem = not_logged(key, logged)
            if problem:
                named = (f"filepath {self.filepath!r} names {key!r}, which" if where == "filepath"
                         else f"monitor {key!r}")
                raise ValueError(f"ModelCheckpoint: {named} fit will not log ({problem}); it "
                                 f"logs {', '.join(logged['known'])}")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except KeyError as error:
            key = error.args[0]
            raise ValueError(unlogged("ModelCheckpoint", f"filepath {self.filepath!r} names "
                                      f"{key!r}, which", key, logs)) from None
        if self.save_best_only:
            if self.monitor not in logs:
                raise ValueError(unlogged("ModelCheckpoint", f"monitor {self.monitor!r}",
                                          self.monitor, logs))
            value = logs[self.monitor]
            better = value < self.best if self.mode == "min" else value > self.best
            if not better:  # NaN included: a comparison with NaN is false
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved to {value:.5f}, saving {path}")
            self.best = value
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


def template_keys(filepath):
    """The names a path template's placeholders read: "m-{epoch:02d}-{val_loss:.2f}.npz"
    -> ["epoch", "val_loss"]; a ValueError for a malformed or positional placeholder."""
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(filepath)
                  if field is not None]
    except ValueError as error:
        raise ValueError(f"ModelCheckpoint: filepath {filepath!r} is not a valid template "
                         f"({error}); write a literal brace as {{{{ or }}}}") from None
    names = []
    for field in fields:
        name = re.split(r"[.\[]", field, maxsplit=1)[0]
        if name == "" or name.isdigit():
            raise ValueError(f"ModelCheckpoint: filepath {filepath!r} has a positional "
                             f"placeholder {{{field}}}; name the value, e.g. {{epoch:02d}} or "
                             f"{{val_loss:.2f}}")
        names.append(name)
    return names


def logged_keys(model, validation):
    """What fit logs each epoch for this model: {"known": [keys], "metrics": {names},
    "validation": True, False or None (unknown)}. The names are the loss's, the
    compiled metrics' and those of every metric the model lists (a train_step of
    one's own logs its trackers)."""
    names = ["loss"]
    pending = list(getattr(model, "metrics", None) or []) + list(
        getattr(getattr(model, "compiled_metrics", None), "metrics", None) or [])
    while pending:
        metric = pending.pop(0)
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, list):  # CompileMetrics: the metrics compile made
            pending = inner + pending
        elif getattr(metric, "name", None) not in names:
            names.append(metric.name)
    known = ["epoch"] + names + (["val_" + n for n in names] if validation is not False else [])
    return {"known": known + ["learning_rate"], "metrics": set(names), "validation": validation}


def not_logged(key, logged):
    """Why ``key`` will not be logged (a phrase), or None when it will or may be."""
    if key in ("epoch", "learning_rate") or key in logged["metrics"]:
        return None
    if key.startswith("val_") and key[4:] in logged["metrics"]:
        return NO_VALIDATION if logged["validation"] is False else None
    return "neither the loss nor a compiled metric" + (
        "" if not key.startswith("val_") else " (the part after val_)")


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
