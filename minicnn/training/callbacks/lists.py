"""CallbackList: the callbacks of one fit, evaluate or predict, called together, with
Keras's logs (a dict, never None; tensors as numbers)."""
import numpy as np

from minicnn.tape.tensor import value_of
from minicnn.training.callbacks.base import Callback, FunctionCallback


def plain_logs(logs):
    """{name: number} from logs that may be None or hold tensors (Keras's pythonify_logs)."""
    out = {}
    for key, value in (logs or {}).items():
        if isinstance(value, (list, tuple, dict)):  # predict's outputs of several arrays
            out[key] = value
            continue
        value = np.asarray(value_of(value))
        out[key] = float(value) if value.ndim == 0 else value
    return out


class CallbackList(Callback):
    """Callbacks (Callback objects, or plain functions f(epoch, logs) called after each
    epoch) as one: each hook calls every callback's, in order, with plain logs."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        self.callbacks = [c if isinstance(c, Callback) else FunctionCallback(c)
                          for c in (callbacks or [])]
        if add_history:
            from minicnn.training.callbacks.base import History
            self.callbacks.append(History())
        if add_progbar:
            from minicnn.training.callbacks.monitoring import ProgbarLogger
            self.callbacks.append(ProgbarLogger())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def __iter__(self):
        return iter(self.callbacks)

    def set_model(self, model):
        self.model = model
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(dict(params))  # each its own copy (Keras's Callback.params)

    def _call(self, hook, *args):
        logs = plain_logs(args[-1]) if args else {}
        for callback in self.callbacks:
            getattr(callback, hook)(*args[:-1], logs)


def _hook(name, with_index):
    if with_index:
        def hook(self, index, logs=None):
            self._call(name, index, logs)
    else:
        def hook(self, logs=None):
            self._call(name, logs)
    hook.__name__ = name
    return hook


for _name in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
              "on_predict_begin", "on_predict_end"):
    setattr(CallbackList, _name, _hook(_name, False))
for _name in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
              "on_batch_begin", "on_batch_end", "on_test_batch_begin", "on_test_batch_end",
              "on_predict_batch_begin", "on_predict_batch_end"):
    setattr(CallbackList, _name, _hook(_name, True))
