"""Speed that plugs in around the textbook: minicnn's threads, OpenBLAS held to one
thread, the allocator setting, and the training step on two halves of the batch.

    pool.py     the thread pool: parallel_for (the fast ops' loops), run_together
    blas.py     one_blas_thread(): OpenBLAS on one thread while minicnn computes
    memory.py   glibc's malloc told to keep freed blocks (process-wide; announced)
    halves.py   the training step on two halves of the batch

Nothing in the textbook path (``Sequential.train_step``, the layers, the NumPy
ops) imports this package; fit and train_on_batch ask ``train_step_for`` which
step to run.
"""
import functools

from minicnn import ops
from minicnn.parallel import halves
from minicnn.parallel.pool import get_num_threads, set_num_threads


def train_step_for(model):
    """The step fit and train_on_batch run for ``model``: its textbook
    ``train_step`` unless the fast ops are on; with them, the same step on two
    halves of the batch where that pays (halves.py)."""
    if ops.get_ops() != "numba":
        return model.train_step
    return functools.partial(halves.train_step, model)


__all__ = ["train_step_for", "get_num_threads", "set_num_threads"]
