"""What a tape records, and the backward pass: a walk through the record in reverse.

While a GradientTape records, every operation on a tensor it follows (an
operation of operations.py, a layer call, a loss) adds one node to it:

    node = (what it read: its inputs, what it made: its output, its backward rule)

A tape follows the tensors it was told to watch, the trainable variables read
while it records, and whatever was computed from those. The backward pass
starts from the target, whose gradient is 1 (ones of its shape), and walks the
nodes from the last to the first. Each node whose output has a gradient hands
it to its backward rule, which returns the gradients of its inputs; each is
*added* to what that input has received so far, because a tensor read by two
nodes (a residual connection, a weight used twice) gets the gradient of both.
A node runs only when one of its inputs leads to a source asked for: nothing
else is computed.
"""
import threading

import numpy as np

_local = threading.local()  # the tapes recording in this thread, innermost last


def recording_tapes():
    if not hasattr(_local, "tapes"):
        _local.tapes = []
    return _local.tapes


class Node:
    """One operation as a tape keeps it. ``backward(grad, wanted)`` takes dL/d(output)
    and the inputs whose gradients are wanted (booleans) and returns one gradient
    per input (None for an input with none, or not wanted)."""
    __slots__ = ("name", "inputs", "output", "backward")

    def __init__(self, name, inputs, output, backward):
        self.name, self.inputs, self.output, self.backward = name, inputs, output, backward

    def __repr__(self):
        return f"<Node {self.name}: {len(self.inputs)} inputs -> {getattr(self.output, 'shape', '')}>"


class Record:
    """A tape's record: its nodes in the order they ran, and the tensors it follows."""

    def __init__(self, watch_accessed_variables=True):
        self.nodes = []
        self.followed = {}  # id -> tensor; holding it keeps the id its own
        self.watch_accessed_variables = watch_accessed_variables

    def follow(self, tensor):
        self.followed[id(tensor)] = tensor

    def follows(self, tensor):
        """Whether this record follows ``tensor``: watched, computed from a followed
        tensor, or a trainable variable read while recording (then followed from now on)."""
        if id(tensor) in self.followed:
            return True
        if self.watch_accessed_variables and getattr(tensor, "trainable", False):
            self.follow(tensor)
            return True
        return False


def record(name, inputs, output, backward):
    """Called by every operation once it has computed ``output`` from ``inputs``:
    each recording tape that follows one of the inputs keeps the node."""
    for tape in recording_tapes():
        if any([tape.follows(x) for x in inputs]):  # a list: every variable gets followed
            tape.nodes.append(Node(name, inputs, output, backward))
            tape.follow(output)


def backward_pass(nodes, targets, seeds, sources):
    """The gradients of the sum of ``targets`` (each seeded with ``seeds``, its
    dL/d(target)) with respect to each source: a list of arrays, None for a
    source the targets do not depend on."""
    # which tensors lead to a source, walking forward: only they need gradients
    leads = {id(source) for source in sources}
    for node in nodes:
        if any(id(x) in leads for x in node.inputs):
            leads.add(id(node.output))
    grads = {}
    for target, seed in zip(targets, seeds):
        if id(target) in leads:
            _accumulate(grads, target, seed)
    for node in reversed(nodes):
        grad = grads.get(id(node.output))
        if grad is None or id(node.output) not in leads:
            continue
        wanted = [id(x) in leads for x in node.inputs]
        for x, grad_x, want in zip(node.inputs, node.backward(grad, wanted), wanted):
            if want and grad_x is not None:
                _accumulate(grads, x, grad_x)
    return [grads.get(id(source)) for source in sources]


def _accumulate(grads, tensor, grad):
    """Add ``grad`` to what ``tensor`` has received: a new array, never in place (the
    one received may be a layer's grads entry, or another node's)."""
    grad = np.asarray(grad)
    if grad.shape != np.shape(tensor):
        raise ValueError(f"a gradient of shape {grad.shape} for a tensor of shape "
                         f"{np.shape(tensor)}: an operation's backward rule is wrong")
    key = id(tensor)
    grads[key] = grad if key not in grads else grads[key] + grad
