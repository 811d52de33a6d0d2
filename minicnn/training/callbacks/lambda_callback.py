"""LambdaCallback: plain functions as a callback's hooks."""
from minicnn.training.callbacks.base import Callback

HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
         "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
         "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")


class LambdaCallback(Callback):
    """Keras's LambdaCallback: each hook given as a function, called as Keras calls it:
    on_epoch_begin/on_epoch_end(epoch, logs), on_train_begin/on_train_end(logs),
    on_train_batch_begin/on_train_batch_end(batch, logs), and the test and predict
    hooks likewise. Hooks not given do nothing."""

    def __init__(self, **hooks):
        unknown = sorted(set(hooks) - set(HOOKS))
        if unknown:
            raise ValueError(f"LambdaCallback: no hook named {', '.join(unknown)}; the hooks "
                             f"are {', '.join(HOOKS)}")
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)
