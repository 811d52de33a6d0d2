"""The TensorBoard callback: fit's logs as TensorBoard event files (event_files.py),
which ``tensorboard --logdir LOG_DIR`` shows (TensorBoard itself: pip install tensorboard,
or minicnn's "tensorboard" extra; minicnn writes the files without it)."""
import os

import numpy as np

from minicnn.training.callbacks.base import Callback
from minicnn.training.callbacks.event_files import (EventFileWriter, histogram_value,
                                                    scalar_value)


class TensorBoard(Callback):
    """Keras's TensorBoard callback, as Keras 3 lays out its files:

        LOG_DIR/train/events...       epoch_loss, epoch_accuracy, ... per epoch (and
                                      batch_loss, ... per batch with update_freq="batch"
                                      or every n batches), weight histograms every
                                      histogram_freq epochs ("layer/kernel/histogram")
        LOG_DIR/validation/events...  epoch_loss, ... of the validation data, and
                                      evaluation_loss_vs_iterations, ... by step

    write_graph, write_images, profile_batch and embeddings_freq ask for what minicnn
    does not write (a TensorFlow graph, kernels as images, a profile, embeddings):
    accepted and left out, as TensorBoard shows nothing for them without TensorFlow."""

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        if update_freq not in ("epoch", "batch") and not (
                isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a number of "
                             f"batches, got {update_freq!r}")
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.writers = {}
        self.step = 0

    def writer(self, kind):
        if kind not in self.writers:
            self.writers[kind] = EventFileWriter(os.path.join(self.log_dir, kind))
        return self.writers[kind]

    def on_train_begin(self, logs=None):
        self.step = int(getattr(getattr(self.model, "optimizer", None), "iterations", 0) or 0)
        self.writer("train")

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.update_freq != "epoch" and self.step % self.update_freq == 0 and logs:
            self.writer("train").add(self.step, *[scalar_value(f"batch_{k}", v)
                                                  for k, v in logs.items() if np.isscalar(v)])

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_") and np.isscalar(v)}
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_") and np.isscalar(v)}
        self.writer("train").add(epoch, *[scalar_value(f"epoch_{k}", v) for k, v in train.items()])
        if validation:
            writer = self.writer("validation")
            writer.add(epoch, *[scalar_value(f"epoch_{k}", v) for k, v in validation.items()])
            writer.add(self.step, *[scalar_value(f"evaluation_{k}_vs_iterations", v)
                                    for k, v in validation.items()])
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self.writer("train").add(epoch, *[
                histogram_value(f"{variable.path}/histogram", variable.value)
                for variable in self.model.variables])
        for writer in self.writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self.writers.values():
            writer.close()
        self.writers = {}
