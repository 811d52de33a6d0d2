"""Speed that plugs in around the textbook: minicnn's threads, OpenBLAS held to one
thread, and the fast training step.

    pool.py     the thread pool: parallel_for (the fast ops' loops), run_together
    blas.py     one_blas_thread(): OpenBLAS on one thread while minicnn computes
    halves.py   the fast training step: on two halves of the batch where that pays
    plan.py     which layers the fast step runs as the fast rung's fused ops

Nothing in the textbook path (``Sequential.train_step``, the layers, the NumPy
ops) imports this package; fit and train_on_batch ask ``train_step_for`` which
step to run.
"""
import functools
import threading

from minicnn import ops
from minicnn.parallel import halves, plan
from minicnn.parallel.pool import get_num_threads, set_num_threads


def train_step_for(model):
    """The step fit and train_on_batch run for ``model``: its textbook
    ``train_step`` unless the fast ops are on; with them, the same step with the
    fused ops where the model has Conv2D(relu) layers (plan.py), on two halves of
    the batch where that pays (halves.py)."""
    if ops.get_ops() != "numba":
        return model.train_step
    return functools.partial(halves.train_step, model)


def forward_for(model):
    """The forward evaluate and predict may run for ``model`` (x, training=False ->
    output): ``model.forward``, unless the fast ops are on and the model has layers the
    plan fuses; then the plan's view of it (plan.py), which runs them as the fused ops,
    with buffers of its own for each calling thread."""
    if ops.get_ops() != "numba":
        return model.forward
    fused = plan.for_model(model)
    if fused is None:
        return model.forward
    return fused.view(model, ("inference", threading.get_ident())).forward


__all__ = ["train_step_for", "forward_for", "get_num_threads", "set_num_threads"]
