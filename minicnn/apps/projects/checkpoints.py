"""Checkpoints of a training run, and resuming from them exactly: the model, the
optimizer's state, the loader's epoch and shuffling, the callbacks' states and
the history, so that ``minicnn train --resume`` ends with the weights of a run
never interrupted."""
import os

from minicnn.training.callbacks import Callback
from minicnn.training.models import load_model
from minicnn.training.saving.writing import architecture


CHECKPOINT = "checkpoint.npz"


class RestoreStates(Callback):
    """Hands each callback its saved state ({callback: state}) once every callback's
    on_train_begin has run, before the first epoch: the resume protocol of
    callbacks/base.py."""

    def __init__(self, callbacks, states):
        self.states = [(c, states[key]) for key, c in zip(_callback_keys(callbacks), callbacks)
                       if key in states]

    def on_train_begin(self, logs=None):
        for callback, state in self.states:
            callback.set_state(state)


class Checkpoint(Callback):
    """After every epoch, the model with its optimizer, and what a resumed run
    needs (epoch, history, Dropout's random states, the run's settings, the
    state of every other callback: ``callbacks``, get_state), in one file
    written atomically."""

    def __init__(self, path, config, train, earlier_history, callbacks=()):
        self.path, self.config, self.train = path, config, train
        self.history = {k: list(v) for k, v in earlier_history.items()}
        self.epochs_done = len(self.history.get("loss", []))
        self.callbacks = list(callbacks)

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        self.epochs_done = epoch + 1
        metadata = self.model.metadata
        self.model.metadata = {**metadata, "training_state": {
            "epoch": epoch + 1, "history": self.history, "config": self.config,
            "loader_epoch": int(getattr(self.train, "epoch", 0)),
            "dropout_rng": {layer.name: layer.rng.bit_generator.state
                            for layer in self.model.layers if hasattr(layer, "rng")},
            "stopped": bool(self.model.stop_training),
            "callbacks": {key: c.get_state() for key, c in
                          zip(_callback_keys(self.callbacks), self.callbacks) if _keeps_state(c)}}}
        try:
            self.model.save(self.path)
        finally:
            self.model.metadata = metadata


def _callback_keys(callbacks):
    """A name per callback: its class's, numbered from the second of a class on."""
    keys, seen = [], {}
    for callback in callbacks:
        name = type(callback).__name__
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return keys


def _keeps_state(callback):
    return type(callback).get_state is not Callback.get_state


TRAINING_STATE = {"epoch": int, "history": dict, "config": dict, "loader_epoch": int,
                  "dropout_rng": dict}


def read_checkpoint(out, config):
    """(the checkpoint's model, its training state), every part a resumed run reads
    checked; a ValueError naming the file and the part otherwise."""
    path = os.path.join(out, CHECKPOINT)
    if not os.path.exists(path):
        raise ValueError(f"--resume: no {CHECKPOINT} in {out}; nothing to resume")
    saved = load_model(path)
    state = saved.metadata.get("training_state")
    if not isinstance(state, dict):
        raise ValueError(f"{path}: holds no training state to resume from")
    for key, kind in TRAINING_STATE.items():
        value = state.get(key)
        if not isinstance(value, kind) or isinstance(value, bool) or (kind is int and value < 0):
            raise ValueError(f"{path}: its training state's {key!r} must be "
                             f"{'an int >= 0' if kind is int else 'an object'}, got {value!r:.80}"
                             f"; the checkpoint is damaged or from another program")
    if saved.optimizer is None:
        raise ValueError(f"{path}: holds no optimizer (compile settings and state) to resume "
                         f"from; the checkpoint is damaged")
    history = state["history"]
    if not all(isinstance(v, list) and len(v) == state["epoch"]
               and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
               for v in history.values()):
        raise ValueError(f"{path}: its history must hold one number per epoch done "
                         f"({state['epoch']}) for each value logged")
    differing = sorted(k for k in config if state["config"].get(k) != config[k])
    if differing:
        raise ValueError(f"--resume: the run in {out} was started with other settings: "
                         + ", ".join(f"{k} {state['config'].get(k)!r} (now {config[k]!r})"
                                     for k in differing))
    return saved, state


def resume_from(model, train, saved, state, callbacks=()):
    """Weights, optimizer state, Dropout's random states, the loader's epoch and the
    callbacks' states from the checkpoint (``saved``, its model; ``state``, its
    training state); returns (epochs done, history so far, whether it had stopped
    early, {callback key: state} for RestoreStates). Everything is checked before
    anything is changed."""
    path = CHECKPOINT
    mine, theirs = architecture(model), architecture(saved)
    for key in ("input_shape", "layers"):
        if mine[key] != theirs[key]:
            raise ValueError(f"--resume: {path} holds a model of another architecture "
                             f"({key}: {theirs[key]!r:.200}; this run builds {mine[key]!r:.200}); "
                             f"resume with the data and settings of that run, or train anew in "
                             f"another --out")
    names = saved.metadata.get("class_names")
    if names != model.metadata.get("class_names"):
        raise ValueError(f"--resume: {path} was trained on the classes {names}, this data has "
                         f"{model.metadata.get('class_names')}")
    rngs = {layer.name: layer.rng for layer in model.layers if hasattr(layer, "rng")}
    if set(state["dropout_rng"]) != set(rngs):
        raise ValueError(f"--resume: {path} holds random states for {sorted(state['dropout_rng'])}"
                         f", the model has Dropout layers {sorted(rngs)}")
    saved_callbacks = state.get("callbacks", {})
    keys = [key for key, c in zip(_callback_keys(callbacks), callbacks) if _keeps_state(c)]
    if not isinstance(saved_callbacks, dict) or sorted(saved_callbacks) != sorted(keys):
        raise ValueError(f"--resume: {path} holds the state of the callbacks "
                         f"{sorted(saved_callbacks) if isinstance(saved_callbacks, dict) else saved_callbacks!r:.80}"
                         f", this run has callbacks that keep state {keys}: resume with the same "
                         f"callbacks (and --early-stopping) as the interrupted run")
    for key, callback in zip(_callback_keys(callbacks), callbacks):
        if key in saved_callbacks:  # checked now; RestoreStates hands it over again in fit
            try:
                callback.set_state(saved_callbacks[key])
            except (ValueError, TypeError, KeyError) as error:
                raise ValueError(f"--resume: {path}: the state of {key} is damaged "
                                 f"({error})") from None
    for name, rng in rngs.items():
        spare = type(rng.bit_generator)()
        try:
            spare.state = state["dropout_rng"][name]
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"--resume: {path}: the random state of {name} is not one "
                             f"{type(spare).__name__} takes ({error})") from None
    model.set_weights(saved.get_weights())
    model.optimizer.set_state(saved.optimizer.get_state())
    if getattr(saved.optimizer, "schedule", None) is None:  # ReduceLROnPlateau may have lowered it
        model.optimizer.learning_rate = saved.optimizer.learning_rate
    for name, rng in rngs.items():
        rng.bit_generator.state = state["dropout_rng"][name]
    if hasattr(train, "epoch"):
        train.epoch, train.batch_index = state["loader_epoch"], 0
        train._set_index_array()
    return state["epoch"], state["history"], bool(state.get("stopped", False)), saved_callbacks
