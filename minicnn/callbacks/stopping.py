"""EarlyStopping: end training when the monitored value stops improving."""
from minicnn.callbacks.base import Callback, monitor_mode


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
        self.mode = monitor_mode(monitor, mode)
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
