"""EarlyStopping: end training when the monitored value stops improving."""
from minicnn.training.callbacks.base import (Callback, best_from_state, best_state,
                                              check_validation, decode_array, encode_array,
                                              initial_best, monitor_mode, unlogged)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than min_delta for
    ``patience`` epochs, as Keras counts them (patience=1: stop after the first
    epoch without improvement). mode "min", "max", or "auto" (max for accuracy
    and AUC, min otherwise). With restore_best_weights, the weights of the best
    epoch are put back when training ends, early or not (as Keras 3 does).
    The best starts at +-infinity, as Keras's comparisons have it: a NaN value is
    never an improvement (a NaN first epoch is not the best one, and counts towards
    patience). A val_ monitor (Keras's default "val_loss") when fit has no validation
    data is refused before the first step (Keras 3 warns each epoch and never stops).
    """

    def __init__(self, monitor="val_loss", patience=0, mode="auto", min_delta=0.0,
                 restore_best_weights=False, verbose=0):
        self.monitor, self.patience = monitor, int(patience)
        self.mode = monitor_mode(monitor, mode)
        self.min_delta, self.restore_best_weights, self.verbose = abs(min_delta), restore_best_weights, verbose
        self.best_epoch = self.best_weights = self.stopped_epoch = None
        self.best, self.wait, self._resumed = initial_best(self.mode), 0, None

    def on_train_begin(self, logs=None):
        check_validation("EarlyStopping", "monitor", self.monitor, self)
        self.best, self.best_epoch, self.best_weights = initial_best(self.mode), None, None
        self.wait = 0
        self.stopped_epoch = None
        if self._resumed is not None:  # set_state came before fit: it wins over the reset
            self._apply(self._resumed)

    def on_epoch_begin(self, epoch, logs=None):
        self._resumed = None

    def get_state(self):
        return {"best": best_state(self.best),
                "best_epoch": self.best_epoch, "wait": self.wait,
                "stopped_epoch": self.stopped_epoch,
                "best_weights": (None if self.best_weights is None
                                 else [encode_array(w) for w in self.best_weights])}

    def set_state(self, state):
        """Take back get_state's dict: after on_train_begin (as minicnn train's resume
        calls it), or before fit (then on_train_begin starts from it)."""
        owner = "EarlyStopping.set_state"
        expected = {"best", "best_epoch", "wait", "stopped_epoch", "best_weights"}
        if not isinstance(state, dict) or set(state) != expected:
            raise ValueError(f"{owner}: expected an object with {sorted(expected)}, "
                             f"got {state!r:.100}")
        for key in ("best_epoch", "wait", "stopped_epoch"):
            value = state[key]
            if not (value is None and key != "wait") and not (
                    isinstance(value, int) and not isinstance(value, bool) and value >= 0):
                raise ValueError(f"{owner}: {key} must be an int >= 0, got {value!r}")
        best_from_state(state["best"], self.mode, owner)
        if state["best_weights"] is not None and not isinstance(state["best_weights"], list):
            raise ValueError(f"{owner}: best_weights must be a list of arrays or null")
        self._apply(state)
        self._resumed = state

    def _apply(self, state):
        weights = state["best_weights"]
        if weights is not None:
            weights = [decode_array(w, "EarlyStopping.set_state: best_weights") for w in weights]
            if self.model is not None:
                current = self.model.get_weights()
                if [w.shape for w in weights] != [w.shape for w in current]:
                    raise ValueError(f"EarlyStopping.set_state: best_weights have shapes "
                                     f"{[w.shape for w in weights]}, the model's weights "
                                     f"{[w.shape for w in current]}")
        self.best = best_from_state(state["best"], self.mode, "EarlyStopping.set_state")
        self.best_epoch, self.wait = state["best_epoch"], state["wait"]
        self.stopped_epoch, self.best_weights = state["stopped_epoch"], weights

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor not in logs:
            raise ValueError(unlogged("EarlyStopping", f"monitor {self.monitor!r}",
                                      self.monitor, logs))
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
            print(f"Epoch {self.stopped_epoch + 1}: early stopping; " + (
                f"best {self.monitor} {self.best:.4f} at epoch {self.best_epoch + 1}"
                if self.best_epoch is not None else f"{self.monitor} never improved"))
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
