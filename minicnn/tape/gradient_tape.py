"""GradientTape, as TensorFlow's: record what is computed, then ask for gradients.

    with GradientTape() as tape:
        predictions = model(x, training=True)        # one node per layer call
        loss = loss_fn(y, predictions)               # one node for the loss
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))

The backward pass it runs is recording.py's walk: each layer's node calls that
layer's own ``backward`` (the one fit uses), each operation its rule in
operations.py. Differences from TensorFlow: gradients of gradients (a tape
inside a tape differentiating a gradient) are not recorded, since every
backward rule computes on arrays; and ``tf.function`` compiles nothing.
"""
import contextlib
import warnings

import numpy as np

from minicnn.tape import recording
from minicnn.tape.operations import Tensor, convert_to_tensor


class GradientTape:
    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = bool(persistent)
        self.record = recording.Record(watch_accessed_variables)
        self.used = False

    def __enter__(self):
        recording.recording_tapes().append(self.record)
        return self

    def __exit__(self, *exception):
        self._stop()
        return False

    def _stop(self):
        tapes = recording.recording_tapes()
        if self.record in tapes:
            tapes.remove(self.record)

    @contextlib.contextmanager
    def stop_recording(self):
        """Compute inside this block without recording it."""
        self._stop()
        try:
            yield
        finally:
            recording.recording_tapes().append(self.record)

    def watch(self, tensor):
        """Follow ``tensor`` (or each tensor of a list, tuple or dict): what is computed
        from it from now on is recorded, and its gradient can be asked for."""
        for item in _flatten(tensor):
            if not isinstance(item, Tensor):
                raise TypeError(f"GradientTape.watch takes tensors, got {type(item).__name__}: "
                                f"make one first, x = tf.convert_to_tensor(x) (or tf.constant), "
                                f"then watch x and compute from x")
            self.record.follow(item)

    def watched_variables(self):
        return tuple(t for t in self.record.followed.values() if hasattr(t, "assign"))

    def reset(self):
        """Forget everything recorded so far."""
        self.record.nodes.clear()
        self.record.followed.clear()

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """d(target)/d(source) for each source, in the structure ``sources`` has (a
        tensor, a variable, or a list, tuple or dict of them). A target that is not
        a scalar is summed (its output_gradients weigh it instead, if given). A source
        the target does not depend on gets None (unconnected_gradients="zero": zeros)."""
        if self.used and not self.persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians): create it with "
                               "GradientTape(persistent=True) to ask several times")
        targets = _flatten(target)
        seeds = ([np.ones_like(np.asarray(t.value if isinstance(t, Tensor) else t))
                  for t in targets] if output_gradients is None
                 else [np.asarray(getattr(g, "value", g)) for g in _flatten(output_gradients)])
        flat_sources = _flatten(sources)
        _warn_if_an_outer_tape_follows(self.record, flat_sources)
        grads = recording.backward_pass(self.record.nodes, targets, seeds, flat_sources)
        self.used = True
        results = []
        for source, grad in zip(flat_sources, grads):
            dtype = np.asarray(getattr(source, "value", source)).dtype
            if grad is None and unconnected_gradients == "zero":
                grad = np.zeros(np.shape(source), dtype)
            results.append(None if grad is None else Tensor(np.asarray(grad).astype(dtype)))
        return _rebuild(sources, iter(results))

    def jacobian(self, target, source):
        """d(target[i...])/d(source) for every element of target: (target.shape + source.shape)."""
        target_value = np.asarray(target.value)
        rows = []
        for i in range(target_value.size):
            seed = np.zeros(target_value.size, target_value.dtype)
            seed[i] = 1
            grad, = recording.backward_pass(self.record.nodes, [target],
                                            [seed.reshape(target_value.shape)], [source])
            rows.append(np.zeros(np.shape(source), target_value.dtype) if grad is None else grad)
        self.used = True
        return Tensor(np.stack(rows).reshape(target_value.shape + np.shape(source)))


def _warn_if_an_outer_tape_follows(record, sources):
    """TensorFlow records a gradient computed inside another tape, so the outer tape can
    differentiate it (a Hessian, a gradient penalty); minicnn's backward rules compute on
    arrays and record nothing. Where an outer tape follows a source, say so now, rather
    than let its gradient of this gradient be a silent None."""
    outer = [tape for tape in recording.recording_tapes() if tape is not record]
    if any(tape.follows(source) for tape in outer for source in sources
           if isinstance(source, Tensor)):
        warnings.warn("GradientTape.gradient inside another tape that follows its sources: "
                      "minicnn does not record gradients, so the outer tape cannot "
                      "differentiate them (no gradients of gradients: its gradient of this "
                      "one will be None; docs/tape.md)", UserWarning, stacklevel=3)


def _flatten(structure):
    if isinstance(structure, dict):
        return [item for key in structure for item in _flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [item for part in structure for item in _flatten(part)]
    return [structure]


def _rebuild(structure, items):
    if isinstance(structure, dict):
        return {key: _rebuild(value, items) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_rebuild(part, items) for part in structure)
    return next(items)


def function(func=None, **options):
    """tf.function: minicnn runs the function as it is, eagerly (it compiles
    nothing; its kernels are numba's). Both ``@tf.function`` and
    ``@tf.function(jit_compile=True)`` work."""
    if func is None:
        return lambda f: f
    return func


def constant(value, dtype=None, shape=None, name=None):
    """tf.constant: a tensor of ``value`` (broadcast to ``shape`` if given)."""
    tensor = convert_to_tensor(value, dtype)
    return Tensor(np.broadcast_to(tensor.value, shape).copy()) if shape is not None else tensor
