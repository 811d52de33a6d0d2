"""Models with several inputs or outputs (functional models): data given as lists or
as dicts by input and output name, and compile's losses, loss weights and metrics
per output, as Keras 3 takes them and names them in the logs.

    model.compile(loss={"category": "categorical_crossentropy", "color": "mse"},
                  loss_weights={"category": 1.0, "color": 0.5},
                  metrics={"category": "accuracy"})
    model.fit({"image": x1, "meta": x2}, {"category": y1, "color": y2})
    # logs: loss, category_loss, color_loss, category_accuracy (and val_ ones)

The total loss is sum_i w_i * loss_i(y_i, output_i): a tensor a tape differentiates
(``OutputsLoss``); each output's own loss and metrics are logged under its name, and
every error or warning about one output's loss, weight, metrics or targets names it.
"""
import contextlib
import copy

import numpy as np

from minicnn import losses
from minicnn.tape.operations import add, multiply
from minicnn.tape.tensor import Tensor, value_of
from minicnn.training import metric_names, metrics as metrics_module


def input_names(model):
    return [t.name for t in getattr(model, "symbolic_inputs", None) or []]


def output_names(model):
    """The outputs' names: their layers' (or the keys of a dict of outputs)."""
    structure = getattr(model, "output_structure", None)
    if isinstance(structure, dict):
        return list(structure)
    outputs = getattr(model, "symbolic_outputs", None) or getattr(model, "outputs", None) or []
    return [t.call.layer.name if getattr(t, "call", None) else t.name for t in outputs]


def output_layers(model):
    """The layers that make the outputs, in the order of ``output_names`` (None for an
    output that is an input itself)."""
    return [t.call.layer if getattr(t, "call", None) else None
            for t in getattr(model, "symbolic_outputs", None) or []]


@contextlib.contextmanager
def about_output(name, what, owner=None):
    """A ValueError raised for one output's ``what`` (its loss, metrics, ...), raised again
    naming the output: in a model of several, the loss's own words do not say which."""
    try:
        yield
    except ValueError as error:
        where = f"{owner}: " if owner else ""
        raise ValueError(f"{where}{what} of output {name!r}: {error}") from error


def by_position(structure, names, what, owner):
    """A list in the order of ``names`` from a list, a tuple, a dict by name, or one
    value (for one name); None where a dict leaves a name out."""
    if isinstance(structure, dict):
        unknown = sorted(set(structure) - set(names))
        if unknown:
            raise ValueError(f"{owner}: {what} names {unknown}, which the model does not have; "
                             f"its are {names}")
        return [structure.get(name) for name in names]
    if isinstance(structure, (list, tuple)) and len(names) > 1:
        if len(structure) != len(names):
            raise ValueError(f"{owner}: {what} has {len(structure)} entries for the model's "
                             f"{len(names)} ({names})")
        return list(structure)
    return [structure] * len(names) if len(names) > 1 else [structure]


def arrays_for(structure, names, what, owner, shapes=None):
    """Data for several inputs or outputs as a list of arrays in the model's order;
    given the per-sample ``shapes``, each array's rank adjusted as Keras's functional
    models adjust it (adjust_rank)."""
    items = by_position(structure, names, what, owner)
    missing = [name for name, item in zip(names, items) if item is None]
    if missing:
        raise ValueError(f"{owner}: {what} has nothing for {missing}")
    arrays = [np.asarray(value_of(item)) for item in items]
    return arrays if shapes is None else [adjust_rank(a, s) for a, s in zip(arrays, shapes)]


def check_lengths(owner, inputs, targets, sample_weight=None):
    """Several inputs' and outputs' arrays (lists of (name, array)) of one number of samples;
    else a ValueError naming each input and output with its length, so the one at fault shows."""
    named = [(f"input {name!r}", len(a)) for name, a in inputs] + [
        (f"output {name!r}", len(a)) for name, a in targets or []]
    if sample_weight is not None:
        named.append(("sample_weight", len(sample_weight)))
    if len({length for _, length in named}) > 1:
        raise ValueError(f"{owner}: the inputs, targets and weights must have one number of "
                         f"samples, got {', '.join(f'{what}: {n}' for what, n in named)}")


def adjust_rank(array, per_sample):
    """Keras's functional models take data of one rank less or more when the axis
    in question has size 1: (N, 28, 28) for an Input((28, 28, 1)), and back."""
    want = len(per_sample) + 1
    if array.ndim == want - 1 and per_sample and per_sample[-1] == 1:
        return array[..., None]
    if array.ndim == want + 1 and array.shape[-1] == 1:
        return array[..., 0]
    return array


def input_shapes(model):
    return [t.per_sample for t in getattr(model, "symbolic_inputs", None) or []]


class OutputsLoss:
    """sum_i w_i * loss_i(y_true[i], y_pred[i]), losses and weights one per output
    (None: that output has no loss). Called as a loss is, on lists."""
    fused_activation = None
    from_logits = False
    name = "loss"

    def __init__(self, names, given, weights=None):
        self.names = names
        self.losses = [None if g is None else output_loss(name, g)
                       for name, g in zip(names, by_position(given, names, "loss", "compile"))]
        weights = [None] * len(names) if weights is None else by_position(
            weights, names, "loss_weights", "compile")
        self.weights = [output_weight(name, w) for name, w in zip(names, weights)]
        if all(loss is None for loss in self.losses):
            raise ValueError(f"compile: no output of {names} has a loss")

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_true = y_true if isinstance(y_true, (list, tuple)) else [y_true]
        y_pred = y_pred if isinstance(y_pred, (list, tuple)) else [y_pred]
        total = None
        for name, loss, weight, truth, prediction in zip(self.names, self.losses, self.weights,
                                                         y_true, y_pred):
            if loss is None:
                continue
            with about_output(name, f"the loss ({loss.name})"):  # targets of another shape
                term = multiply(weight, loss(truth, prediction, sample_weight))
            total = term if total is None else add(total, term)
        return total

    def warn_if_read_as_probabilities(self, model):
        """compile's warning of a cross-entropy on an output layer without its activation,
        output by output: each loss against its own output's layer."""
        for loss, layer in zip(self.losses, output_layers(model)):
            if loss is not None and layer is not None:
                losses.warn_if_outputs_read_as_probabilities(model, loss, layer)

    @staticmethod
    def probabilities(values, from_logits=False):
        return values


def output_loss(name, given):
    """The loss object for output ``name`` from a Keras name, a Loss or a function; an
    unknown name or a value of another kind is a ValueError naming the output."""
    with about_output(name, "the loss", "compile"):
        loss = losses.get(given)
        if not callable(loss) or not hasattr(loss, "name"):
            raise ValueError(f"expected a Keras loss name, a Loss or a function "
                             f"f(y_true, y_pred), got {given!r}")
    return loss


def output_weight(name, weight):
    """Output ``name``'s loss weight as a float (None: 1.0); a ValueError naming the output."""
    if weight is None:
        return 1.0
    try:
        return float(weight)
    except (TypeError, ValueError):
        raise ValueError(f"compile: loss_weights gives output {name!r} {weight!r}; a loss "
                         f"weight is a number") from None


class OutputLoss(metrics_module.Mean):
    """One output's loss, logged as "<output>_loss": the running mean over samples."""

    def __init__(self, loss, index, name):
        self.loss, self.index = loss, index
        super().__init__(name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        value = float(np.asarray(value_of(self.loss(
            y_true[self.index], Tensor(np.asarray(value_of(y_pred[self.index]))),
            sample_weight))))
        super().update_state(value, len(np.asarray(y_true[self.index])))


class OutputMetric(metrics_module.Metric):
    """A metric of one output, logged as "<output>_<metric>" (Keras 3's names)."""

    def __init__(self, metric, index, output):
        super().__init__(f"{output}_{metric.name}")
        self.metric, self.index, self.output = metric, index, output

    def reset_state(self):
        self.metric.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None):
        with about_output(self.output, f"the metric {self.metric.name}"):
            self.metric.update_state(y_true[self.index], y_pred[self.index], sample_weight)

    def value(self):
        return self.metric.value()


def compile_metrics(names, loss, given):
    """The metrics fit logs for several outputs: each output's loss, then the metrics
    given per output (a dict by name, a list of lists, or one list for every output)."""
    made = [OutputLoss(l, i, f"{name}_loss") for i, (name, l) in enumerate(zip(names, loss.losses))
            if l is not None]
    if given is None:
        return made
    if isinstance(given, (list, tuple)) and given and all(isinstance(g, (list, tuple))
                                                          for g in given):
        per_output = by_position(list(given), names, "metrics", "compile")
    elif isinstance(given, dict):
        per_output = by_position(given, names, "metrics", "compile")
    else:
        per_output = [given] * len(names)
    for i, (name, chosen) in enumerate(zip(names, per_output)):
        chosen = [] if chosen is None else chosen if isinstance(chosen, (list, tuple)) else [chosen]
        chosen = [copy.deepcopy(m) if isinstance(m, metrics_module.Metric) else m for m in chosen]
        with about_output(name, "the metrics", "compile"):
            made_here = metric_names.compile_metrics(chosen)
        for metric in made_here:
            made.append(OutputMetric(metric, i, name))
    return made
