"""ProgbarLogger (the progress bar as a callback) and TerminateOnNaN."""
import numpy as np

from minicnn.training.callbacks.base import Callback
from minicnn.training.callbacks.progress import ProgressBar


class ProgbarLogger(Callback):
    """The progress bar fit draws with verbose=1, as a callback of its own (Keras adds
    one itself; give it in callbacks= to draw it with verbose=0)."""

    def __init__(self, count_mode=None, stateful_metrics=None):
        self.bar = None

    def on_epoch_begin(self, epoch, logs=None):
        steps = (self.params or {}).get("steps")
        print(f"Epoch {epoch + 1}/{(self.params or {}).get('epochs', '?')}")
        self.bar = ProgressBar(steps)

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self.bar.update(batch + 1, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None:
            self.bar.update(self.bar.steps or 1, logs or {}, final=True)


class TerminateOnNaN(Callback):
    """Stop training when a batch's loss is NaN or infinite (model.stop_training).
    minicnn's training step already refuses such a step (FloatingPointError, the last
    good weights kept); this callback stops a train_step of one's own that logs it."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
