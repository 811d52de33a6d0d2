"""The check of exercise 10: the tape's backward walk.

    grads = backward_walk(nodes, target, seed, sources)

The cases are records of minicnn's own GradientTape: a tensor read three times
(once by a node that reads it twice), a residual connection through two Dense
layers, one of them called twice (their nodes' backward is the layer's own), in
float32; and what gets no gradient (where's condition, argmax's output, a branch
the target does not use). The oracle is recording.backward_pass as minicnn has
it (registry.OWN, never what a plug put in its place), on a record of its own
made the same way. The student's record is watched: every call of a node's
backward is checked (a gradient for its output, of its shape; one ``wanted`` per
input) and logged, with what it returned, so that the order of the walk and a
gradient changed in place are seen, not guessed. The common mistakes are walks
of their own (mistaken_walk) on more records.
"""
import numpy as np

from minicnn.apps.exercises import registry
from minicnn.apps.exercises.calling import Call, array
from minicnn.apps.exercises.verdict import (ExerciseFailed, Mistake, difference, failure,
                                            hint_lines, hints, passed, tolerances)
from minicnn.layers import Dense
from minicnn.tape import GradientTape, Variable, constant, operations, recording


def reference_walk(nodes, target, seed, sources):
    """minicnn's own walk, as it was when the exercises were imported."""
    return registry.OWN[(recording, "backward_pass")](nodes, [target], [seed], sources)


# -- the cases: records of minicnn's tape -------------------------------------------------------
class Case:
    """One record: its nodes, the target and its seed, the sources (``labels``: their
    names in ``program``, the code recorded; ``none_because``: {label: why its
    gradient is None})."""

    def __init__(self, title, program, nodes, target, seed, sources, labels, none_because=None):
        self.title, self.program, self.nodes = title, program, nodes
        self.target, self.seed, self.sources, self.labels = target, seed, sources, labels
        self.none_because = none_because or {}


def read_three_times(seed=21):
    rng = np.random.default_rng(seed)
    x = constant(rng.standard_normal((3, 4)))
    w = Variable(rng.standard_normal((3, 4)), dtype=np.float64)
    with GradientTape() as tape:
        tape.watch(x)
        a = x * w
        c = operations.tanh(a)
        s = a + a
        b = s * c
        loss = operations.sum(b)
    return Case("a tensor read three times", [
        "a = x * w                  # node 0",
        "c = tanh(a)                # node 1",
        "s = a + a                  # node 2: a read twice by one node",
        "b = s * c                  # node 3",
        "loss = sum(b)              # node 4"], tape.record.nodes, loss, np.array(0.5),
        [x, w, a, s], ["x", "w", "a", "s"])


def residual(seed=22):
    rng = np.random.default_rng(seed)
    x = constant(rng.standard_normal((2, 4)).astype(np.float32))
    first, second = Dense(3, seed=1, name="first"), Dense(3, seed=2, name="second")
    with GradientTape() as tape:
        tape.watch(x)
        h = first(x)
        r = operations.relu(h)
        u = second(r)
        v = second(u)
        out = h + v
    seed_array = rng.standard_normal((2, 3)).astype(np.float32)
    return Case("a residual connection through layers, in float32", [
        "h = first(x)               # node 0: first = Dense(3), whose backward is Dense.backward",
        "r = relu(h)                # node 1",
        "u = second(r)              # node 2: second = Dense(3)",
        "v = second(u)              # node 3: the same layer again (its kernel and bias read "
        "twice)",
        "out = h + v                # node 4: h read twice (the residual connection)"],
        tape.record.nodes, out, seed_array,
        [x, first.trainable_variables[0], second.trainable_variables[0],
         second.trainable_variables[1], h],
        ["x", "first.kernel", "second.kernel", "second.bias", "h"])


def no_gradient(seed=23):
    rng = np.random.default_rng(seed)
    x = constant(rng.standard_normal((3, 4)))
    v = Variable(rng.standard_normal((3, 4)), dtype=np.float64)
    slope = np.full(4, 0.1)  # a NumPy array: a node's input, but no tensor
    with GradientTape() as tape:
        tape.watch(x)
        mask = x > 0
        t = x * slope
        y = operations.where(mask, x, t)
        i = operations.argmax(y, axis=1)
        unused = y * v
        q = operations.square(y)
        loss = operations.mean(q)
    del unused
    return Case("what gets no gradient", [
        "mask = x > 0               # a comparison: no node",
        "t = x * slope              # node 0 (slope: a NumPy array)",
        "y = where(mask, x, t)      # node 1",
        "i = argmax(y, axis=1)      # not differentiable: no node",
        "unused = y * v             # node 2: the target does not use it",
        "q = square(y)              # node 3",
        "loss = mean(q)             # node 4"], tape.record.nodes, loss, np.array(1.5),
        [x, mask, i, v, y], ["x", "mask", "i", "v", "y"],
        {"mask": "a comparison's result: where's backward returns None for its condition",
         "i": "argmax's result: nothing differentiable made it, and no node made it",
         "v": "only `unused` reads it, and the target does not depend on `unused`"})


CASES = (read_three_times, residual, no_gradient)
SUMMARY = ("3 records (a tensor read three times; a residual connection through two Dense "
           "layers, one called twice, in float32; a comparison, argmax and a branch the target "
           "does not use)")


# -- watching the student's walk ----------------------------------------------------------------
class NodeMisused(Exception):
    """A node's backward called in a way that cannot be right (raised inside the
    student's walk, so that the message names their line)."""


class Log:
    """What a walk did with the nodes: the order their backward ran (indices), and
    every array a backward handed it, with a copy (to see one changed in place)."""

    def __init__(self):
        self.calls, self.handed = [], []

    def changed(self):
        """(node index, input position) of the first handed array changed since, or None."""
        for index, position, given, copy in self.handed:
            if not np.array_equal(given, copy, equal_nan=True):
                return index, position
        return None

    def out_of_order(self, nodes):
        """(i, j): node i's backward ran before that of node j, which reads i's output."""
        when = {}
        for order, index in enumerate(self.calls):
            when.setdefault(index, order)
        for index in when:
            for later in range(index + 1, len(nodes)):
                reads = any(x is nodes[index].output for x in nodes[later].inputs)
                if reads and later in when and when[later] > when[index]:
                    return index, later
        return None


def watched(nodes):
    """Each node's backward checked and logged (the record is the student's own, made
    for this run); returns the Log."""
    log = Log()
    for index, node in enumerate(nodes):
        node.backward = watching(index, node, node.backward, nodes, log)
    return log


def watching(index, node, backward, nodes, log):
    def checked_backward(grad, wanted):
        problem = misuse(index, node, grad, wanted, nodes, log)
        if problem:
            raise NodeMisused(problem)
        log.calls.append(index)
        handed = backward(grad, wanted)
        for position, given in enumerate(handed):
            if isinstance(given, np.ndarray):
                log.handed.append((index, position, given, given.copy()))
        return handed
    return checked_backward


def misuse(index, node, grad, wanted, nodes, log):
    """Why this call of node ``index``'s backward cannot be right, or None."""
    called = f"node {index} ({node.name})'s backward was called"
    if grad is None:
        text = (f"{called} with grad None: its output has no gradient. Skip a node whose "
                f"output has received none (nothing flows back through it)")
        if index < len(nodes) - 1 and not any(i > index for i in log.calls):
            text += (f"; and walk from the last node recorded to the first, reversed(nodes): "
                     f"{len(nodes) - 1 - index} node(s) recorded after it, which may read its "
                     f"output, have not run yet")
        return text + "."
    if np.shape(grad) != np.shape(node.output):
        return (f"{called} with grad of shape {np.shape(grad)}; its output has shape "
                f"{np.shape(node.output)}: hand each node the gradient of its own output, "
                f"grads[id(node.output)]")
    if isinstance(wanted, (str, bytes)) or not hasattr(wanted, "__len__") \
            or len(wanted) != len(node.inputs):
        return (f"{called} with wanted={wanted!r}; wanted holds one boolean per input "
                f"(this node has {len(node.inputs)}: len(node.inputs))")
    return None


# -- the mistakes ---------------------------------------------------------------------------------
def mistaken_walk(nodes, target, seed, sources, forward=False, keep="sum"):
    """A walk with a mistake: in the order recorded (``forward``), or keeping one read's
    gradient of a tensor read several times (``keep`` "first" or "last") instead of
    their sum."""
    grads = {id(target): seed}
    for node in (nodes if forward else reversed(nodes)):
        grad = grads.get(id(node.output))
        if grad is None:
            continue
        for x, given in zip(node.inputs, node.backward(grad, [True] * len(node.inputs))):
            if given is None:
                continue
            if id(x) not in grads or keep == "last":
                grads[id(x)] = given
            elif keep == "sum":
                grads[id(x)] = grads[id(x)] + given
    return [grads.get(id(source)) for source in sources]


def same(answer, other, rtol, atol):
    """Whether two lists of gradients (arrays or None) are equal, within tolerance."""
    if len(answer) != len(other):
        return False
    for a, b in zip(answer, other):
        if (a is None) != (b is None):
            return False
        if a is not None and (np.shape(a) != np.shape(b) or not np.allclose(
                a, np.asarray(b, np.float64), rtol=rtol, atol=atol)):
            return False
    return True


def mistakes(build, case, expected, log, rtol, atol):
    """The common mistakes of a walk, their symptoms worked out on records of their own."""
    def walk(**knobs):
        fresh = build()
        return mistaken_walk(fresh.nodes, fresh.target, fresh.seed, fresh.sources, **knobs)

    def by(output):
        return lambda answer: same(answer, output, rtol, atol)
    forward, first, last = walk(forward=True), walk(keep="first"), walk(keep="last")
    fresh = build()
    ones = reference_walk(fresh.nodes, fresh.target, np.ones_like(fresh.seed), fresh.sources)
    read_twice = [label for x, label in zip(case.sources, case.labels)
                  if sum(y is x for node in case.nodes for y in node.inputs) > 1]
    return [
        Mistake("seed forgotten", f"start the walk from the seed, grads[id(target)] = seed: it is "
                f"dL/d(target), here {np.array2string(np.asarray(case.seed), threshold=4)}, not "
                f"ones (ones only when the target is the loss itself). Your gradients are those "
                f"of seed = ones.", matches=by(ones)),
        Mistake("seed forgotten", "every gradient is None and no node's backward ran: the walk "
                "never started. Put the seed in first, grads[id(target)] = seed; then each node "
                "whose output has a gradient hands it on.",
                matches=lambda answer: not log.calls and all(a is None for a in answer)),
        Mistake("= instead of +=", f"a tensor read by several nodes (here "
                f"{', '.join(read_twice) or 'one of them'}) gets the sum of the gradients "
                f"from every read: add to what it has (grads[k] = grads[k] + g) instead of "
                f"replacing it. Yours kept only one read's gradient.",
                matches=lambda answer: by(first)(answer) or by(last)(answer)),
        Mistake("walked in the order recorded", "walk the nodes from the last recorded to the "
                "first, reversed(nodes): a node's output must have received the gradients of "
                "every node that reads it before its own backward runs.",
                matches=lambda answer: bool(log.calls) and by(forward)(answer)),
        Mistake("walked in the wrong order", lambda answer: wrong_order_hint(case, log),
                matches=lambda answer: log.out_of_order(case.nodes) is not None),
        Mistake("a gradient where there is none", lambda answer: none_hint(case, answer, expected),
                matches=lambda answer: any(a is not None for a, e in zip(answer, expected)
                                           if e is None)),
        changed_in_place(case, log)]


def changed_in_place(case, log):
    return Mistake("a gradient changed in place", lambda answer: in_place_hint(case, log),
                   matches=lambda answer: log.changed() is not None)


def wrong_order_hint(case, log):
    before, reader = log.out_of_order(case.nodes)
    return (f"node {before} ({case.nodes[before].name}) ran its backward before node {reader} "
            f"({case.nodes[reader].name}), which reads its output: so its output had not yet "
            f"received all of its gradient. Walk reversed(nodes).")


def none_hint(case, answer, expected):
    given = [label for label, a, e in zip(case.labels, answer, expected)
             if e is None and a is not None]
    why = "; ".join(f"d{label}: {case.none_because.get(label, 'no path from the target')}"
                    for label in given)
    return (f"{', '.join('d' + g for g in given)} must be None: {why}. None says there is no "
            f"path from the target (tape.gradient returns None, as TensorFlow's does); zeros "
            f"would say there is one. Skip an input whose gradient a backward returns as None, "
            f"and return grads.get(id(source)) for each source.")


def in_place_hint(case, log):
    index, position = log.changed()
    which = next((f" ({label})" for x, label in zip(case.sources, case.labels)
                  if x is case.nodes[index].inputs[position]), "")
    return (f"your walk changed, in place, the array node {index} ({case.nodes[index].name})'s "
            f"backward returned for its input {position}{which}. That array may be another "
            f"tensor's gradient too (add hands the same g to both of its inputs, which may be "
            f"one tensor read twice) or a layer's grads entry: add into a new array, "
            f"grads[k] = grads[k] + g, not grads[k] += g.")


# hints for what a walk raised, by what it raised
RAISED_HINTS = [
    ("NoneType", "Hint (None from a backward): a node's backward returns None for an input with "
     "no gradient (where's condition, an input not wanted): skip it, do not add it."),
    ("unhashable type", "Hint (tensors as keys): a node's inputs may be NumPy arrays or numbers "
     "as well as tensors: key your dict by id(tensor), not by the tensor."),
    ("truth value of an array", "Hint (== on tensors): `x in list` and `==` compare tensors "
     "element by element; tell tensors apart by identity: id(x) or `is`."),
    ("KeyError", "Hint (no gradient): a source the target does not depend on has no entry: "
     "return grads.get(id(source)), which is None for it."),
]


def raised_hints(message):
    return [hint for cue, hint in RAISED_HINTS if cue in message]


# -- the check ----------------------------------------------------------------------------------
def check_backward_walk(backward_walk, name="backward_walk"):
    for build in CASES:
        theirs, ours = build(), build()
        expected = [None if g is None else np.array(g) for g in reference_walk(
            ours.nodes, ours.target, ours.seed, ours.sources)]
        log = watched(theirs.nodes)
        nodes, sources = list(theirs.nodes), list(theirs.sources)
        call = Call(backward_walk, name, {"nodes": theirs.nodes, "target": theirs.target,
                                          "seed": theirs.seed, "sources": theirs.sources})
        context = f"On {call.text()} ({theirs.title}), {record(theirs)}"
        try:
            answer = call()
        except ExerciseFailed as failed:  # what the walk raised: on which record, and hints
            if "is not written yet" in str(failed):
                raise
            raise ExerciseFailed("\n".join([str(failed), f"  ({theirs.title}: {record(theirs)})"]
                                            + raised_hints(str(failed)))) from None
        unchanged(name, call, theirs, nodes, sources)
        answer = gradients(call, answer, expected, theirs.labels)
        rtol, atol = tolerances(theirs.seed.dtype)
        lines = differences(theirs, answer, expected, rtol, atol)
        if lines:
            raise failure(name, context, lines, hints(answer, expected, mistakes(
                build, theirs, expected, log, rtol, atol)))
        if log.changed() is not None:  # right this time; wrong where the array is shared
            raise failure(name, context, ["every gradient is right, but:"],
                          hint_lines(answer, [changed_in_place(theirs, log)]))
    passed(name, SUMMARY)


def record(case):
    """The case's record, as the code that made it, one line per node."""
    return ("where nodes is the record of\n" + "\n".join(f"      {line}" for line in case.program)
            + f"\n  with target = {case.program[-1].split()[0]}, sources = "
            f"[{', '.join(case.labels)}]")


def unchanged(name, call, case, nodes, sources):
    """The record and the list of sources as they were: the tape keeps its record (a
    persistent tape walks it again)."""
    for given, before, what in ((case.nodes, nodes, "nodes"), (case.sources, sources, "sources")):
        if len(given) != len(before) or any(a is not b for a, b in zip(given, before)):
            raise ExerciseFailed(
                f"{name} changed its argument `{what}` in place (called as {call.text()}): "
                f"{what} is the tape's, which a persistent tape walks again. "
                + ("Walk reversed(nodes) or nodes[::-1]; nodes.reverse() reverses the tape's "
                   "record itself." if what == "nodes" else "Leave it as it is."))


def gradients(call, answer, expected, labels):
    """The student's answer as a list of float64 arrays and None, one per source, each of
    the dtype of minicnn's gradient (the dtype the tape computes in)."""
    if not isinstance(answer, (list, tuple)):
        got = "None" if answer is None else f"a {type(answer).__name__}"
        raise ExerciseFailed(f"{call.text()} returned {got}; return a list with one gradient "
                             f"per source ({len(expected)}): is `return ...` missing?")
    if len(answer) != len(expected):
        raise ExerciseFailed(f"{call.text()} returned {len(answer)} gradients for "
                             f"{len(expected)} sources; return one per source, in their order "
                             f"(None for a source the target does not depend on)")
    return [None if a is None else array(call, f"d{label}", a, like=e)
            for a, e, label in zip(answer, expected, labels)]


def differences(case, answer, expected, rtol, atol):
    """What differs, one line (or a few) per wrong gradient."""
    lines = []
    for label, a, e in zip(case.labels, answer, expected):
        if e is None and a is not None:
            why = case.none_because.get(label, f"the target does not depend on {label}")
            lines.append(f"d{label}: expected None ({why}), got an array of shape {a.shape}")
        elif e is not None and a is None:
            lines.append(f"d{label}: expected an array of shape {e.shape}, got None: no "
                         f"gradient reached {label}")
        elif e is not None:
            found = difference(f"d{label}", a, e.astype(np.float64), [
                f"d{label} has the shape of {label}: {e.shape}"], rtol=rtol, atol=atol)
            lines += found or []
    return lines
