"""tf.summary: TensorBoard event files written by hand (training/callbacks/event_files.py):

    writer = tf.summary.create_file_writer("logs/images")
    with writer.as_default():
        tf.summary.image("Training data", images, step=0, max_outputs=25)
        tf.summary.scalar("loss", 0.3, step=1)

``tensorboard --logdir logs`` shows them (TensorBoard: pip install tensorboard)."""
import types

import numpy as np

from minicnn.compat.missing import missing_names
from minicnn.tape.tensor import value_of
from minicnn.training.callbacks.event_files import (EventFileWriter, histogram_value,
                                                    image_value, scalar_value)

_default = []  # the writers set as default, innermost last
_step = {"step": None}


class SummaryWriter:
    """A writer of one event file in ``logdir``; as_default() makes tf.summary's
    functions write to it."""

    def __init__(self, logdir):
        self.logdir = logdir
        self.file = None

    def events(self):
        if self.file is None:
            self.file = EventFileWriter(self.logdir)
        return self.file

    def as_default(self, step=None):
        writer = self

        class Default:
            def __enter__(self):
                _default.append(writer)
                if step is not None:
                    _step["step"] = int(step)
                return writer

            def __exit__(self, *exception):
                _default.remove(writer)
                writer.flush()
                return False
        return Default()

    def set_as_default(self, step=None):
        _default.append(self)

    def init(self):
        self.events()

    def flush(self):
        if self.file is not None:
            self.file.flush()

    def close(self):
        if self.file is not None:
            self.file.close()


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False):
    return SummaryWriter(logdir)


def _write(step, value):
    """Write to the default writer at ``step`` (or the step set by experimental.set_step);
    True, or False when there is no default writer (as TensorFlow answers)."""
    if not _default:
        return False
    step = _step["step"] if step is None else int(np.asarray(value_of(step)))
    if step is None:
        raise ValueError("tf.summary: give step= (or tf.summary.experimental.set_step(n))")
    _default[-1].events().add(step, value)
    return True


def scalar(name, data, step=None, description=None):
    return _write(step, scalar_value(name, float(np.asarray(value_of(data)))))


def histogram(name, data, step=None, buckets=None, description=None):
    return _write(step, histogram_value(name, np.asarray(value_of(data)), buckets or 30))


def image(name, data, step=None, max_outputs=3, description=None):
    """Images (k, height, width, channels): floats in [0, 1] or uint8; the first
    max_outputs are written, as "name/image/0", "name/image/1", ... (one image: "name/image")."""
    data = np.asarray(value_of(data))
    if data.dtype.kind == "f":
        data = np.round(np.clip(data, 0, 1) * 255)
    data = data.astype(np.uint8)[:max_outputs]
    written = False
    for i, picture in enumerate(data):
        tag = f"{name}/image" if len(data) == 1 else f"{name}/image/{i}"
        written = _write(step, image_value(tag, picture)) or written
    return written


def flush(writer=None, name=None):
    for each in ([writer] if writer is not None else _default):
        each.flush()


experimental = types.SimpleNamespace(
    set_step=lambda step: _step.update(step=None if step is None else int(step)),
    get_step=lambda: _step["step"])

__all__ = ["create_file_writer", "SummaryWriter", "scalar", "histogram", "image", "flush",
           "experimental"]
__getattr__ = missing_names("tf.summary", {
    "text": "tf.summary writes scalars, images and histograms in minicnn; print text, or "
            "write it to a file beside the logs.",
    "trace_on": "minicnn runs no graph to trace: tf.function runs eagerly."}, __all__,
    kind="TensorFlow")
