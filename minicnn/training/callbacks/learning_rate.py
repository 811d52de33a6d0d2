"""Callbacks that change the learning rate between epochs, as Keras's:
ReduceLROnPlateau (lower it when a value stops improving) and
LearningRateScheduler (set it from a function of the epoch).

Both write the rate the epoch trained with into the logs as "learning_rate"
(Keras 3's key; Keras 2 wrote "lr"), so history.history["learning_rate"] has
one value per epoch.
"""
import inspect
import warnings

import numpy as np

from minicnn.arguments import check_number
from minicnn.training.callbacks.base import (Callback, best_from_state, best_state, initial_best,
                                              monitor_mode, unlogged)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved
    for ``patience`` epochs, as Keras 3 does at each epoch's end:

    1. log the current rate as "learning_rate";
    2. during a cooldown (``cooldown`` epochs after a reduction) count it down
       and do not count epochs without improvement;
    3. improved: value + min_delta < best ("min" mode) or value - min_delta > best
       ("max"); then best = value and the count restarts;
    4. otherwise, outside a cooldown, count the epoch; at ``patience`` of them,
       lr = max(lr * factor, min_lr) (if lr is above min_lr), then a cooldown starts.

    mode "auto": "max" for accuracy, AUC, precision and recall, "min" otherwise.
    The best starts at +-infinity, as in Keras: a NaN value never improves (step 3
    is false for it), so a NaN first epoch does not become the value to beat.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **unsupported):
        if unsupported:
            raise ValueError(f"ReduceLROnPlateau: minicnn has no {', '.join(sorted(unsupported))}"
                             f" argument (Keras 2's epsilon= is min_delta=)")
        self.monitor = monitor
        self.factor = check_number("ReduceLROnPlateau", "factor", factor, low=0, high=1,
                                   high_open=True)
        self.patience = _count("patience", patience)
        self.cooldown = _count("cooldown", cooldown)
        self.min_delta = abs(check_number("ReduceLROnPlateau", "min_delta", min_delta))
        self.min_lr = check_number("ReduceLROnPlateau", "min_lr", min_lr, low=0)
        self.verbose = verbose
        self.mode = monitor_mode(monitor, mode)
        self.best, self.wait, self.cooldown_counter = initial_best(self.mode), 0, 0

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = initial_best(self.mode), 0, 0

    def get_state(self):
        return {"best": best_state(self.best), "wait": self.wait,
                "cooldown_counter": self.cooldown_counter}

    def set_state(self, state):
        if not isinstance(state, dict) or set(state) != {"best", "wait", "cooldown_counter"}:
            raise ValueError(f"ReduceLROnPlateau.set_state: expected an object with best, wait "
                             f"and cooldown_counter, got {state!r:.100}")
        self.best = best_from_state(state["best"], self.mode, "ReduceLROnPlateau.set_state")
        self.wait = _count("wait", state["wait"])
        self.cooldown_counter = _count("cooldown_counter", state["cooldown_counter"])

    def _improved(self, value):
        if self.mode == "min":  # written as Keras writes them, for the same rounding
            return value + self.min_delta < self.best
        return value - self.min_delta > self.best

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        if self.monitor not in logs:
            warnings.warn(unlogged("ReduceLROnPlateau", f"monitor {self.monitor!r}", self.monitor,
                                   logs) + "; the learning rate stays", UserWarning)
            return
        value = float(logs[self.monitor])
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(value):
            self.best, self.wait = value, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        old = optimizer.learning_rate
        # compared as Keras compares them: its rate is a float32 variable
        if np.float32(old) > np.float32(self.min_lr):
            new = max(old * self.factor, self.min_lr)
            optimizer.learning_rate = new
            if self.verbose:
                print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
            self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)``
    (epoch counted from 0, lr the current rate), or ``schedule(epoch)`` for a
    function of one argument, as Keras does. Which one is read from the function's
    signature, so a TypeError raised inside the schedule reaches you as it is (Keras
    calls schedule(epoch) again after any TypeError, and reports a missing argument
    instead); only a function without a readable signature is told apart Keras's way."""

    def __init__(self, schedule, verbose=0):
        if not callable(schedule):
            raise ValueError(f"LearningRateScheduler: schedule must be a function of (epoch) or "
                             f"(epoch, lr), got {schedule!r:.80}")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        takes_rate = takes_two_arguments(self.schedule)
        if takes_rate is None:  # no signature to read: Keras's rule (try two, then one)
            try:
                rate = self.schedule(epoch, float(optimizer.learning_rate))
            except TypeError:
                rate = self.schedule(epoch)
        elif takes_rate:
            rate = self.schedule(epoch, float(optimizer.learning_rate))
        else:
            rate = self.schedule(epoch)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating, np.integer)):
            raise ValueError(f"LearningRateScheduler: the schedule returned {rate!r:.60} for "
                             f"epoch {epoch}; it must return a number")
        optimizer.learning_rate = float(rate)
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


def takes_two_arguments(function):
    """Whether function(epoch, lr) can be called (True), only function(epoch) (False),
    or None when its signature cannot be read (a builtin, some C functions)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(0, 0.1)
        return True
    except TypeError:
        return False


def _count(arg, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"ReduceLROnPlateau: {arg} must be an int >= 0, got {value!r}")
    return int(value)
