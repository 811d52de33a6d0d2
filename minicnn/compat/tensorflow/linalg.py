"""tf.linalg: the products and norms image programs use (decompositions and solvers
are out of minicnn's scope)."""
from minicnn.compat import array_ops as more
from minicnn.compat.missing import missing_names
from minicnn.compat.tensorflow.functions import NAMES

matmul, norm, global_norm = NAMES["matmul"], NAMES["norm"], NAMES["global_norm"]
einsum, tensordot, eye = more.einsum, more.tensordot, more.eye
trace, diag_part = more.trace, more.diag_part


def l2_normalize(x, axis=None, epsilon=1e-12, name=None):
    return more.l2_normalize(x, axis, epsilon)


def matrix_transpose(a, name=None, conjugate=False):
    return more.swapaxes(a, -1, -2)


def matvec(a, b, transpose_a=False, name=None):
    a = matrix_transpose(a) if transpose_a else a
    return more.ops.squeeze(more.ops.matmul(a, more.ops.expand_dims(b, -1)), -1)


__all__ = ["matmul", "norm", "global_norm", "einsum", "tensordot", "eye", "trace", "diag_part",
           "l2_normalize", "matrix_transpose", "matvec"]
__getattr__ = missing_names("tf.linalg", {}, __all__, kind="TensorFlow")
