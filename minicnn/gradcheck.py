"""Gradient checking: compare each analytic gradient with a numerical one.

The numerical gradient uses centered differences,

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h),

whose error is O(h^2). Run it in float64: in float32 the rounding error of f
(about 1e-7 relative) divided by 2h swamps the answer and correct code fails.

The relative error is cs231n's:  max_i |a_i - n_i| / max(|a_i| + |n_i|, 1e-8).
In float64 a correct layer gives about 1e-8 or less; 1e-4 and above means a
bug unless an input sits on a kink (ReLU at 0, a max-pool tie).

A layer is checked through the scalar loss L = sum(layer(x) * g) for a fixed
random g, so that dL/dy = g exercises every output.
"""
import numpy as np

from minicnn.sequential import copy_model


def rel_error(analytic, numeric):
    """cs231n's relative error, the maximum over all elements."""
    analytic, numeric = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(f"rel_error: shapes differ, {analytic.shape} vs {numeric.shape}")
    if analytic.size == 0:
        return 0.0
    return float(np.max(np.abs(analytic - numeric)
                        / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))))


def numerical_gradient(f, x, h=1e-4):
    """Centered-difference gradient of the scalar function f() with respect to
    the array x, which f reads and which is perturbed in place and restored."""
    grad = np.zeros(x.shape, dtype=np.float64)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient: x must be contiguous so it can be perturbed in place")
    for i in range(flat_x.size):
        saved = flat_x[i]
        flat_x[i] = saved + h
        f_plus = f()
        flat_x[i] = saved - h
        f_minus = f()
        flat_x[i] = saved
        flat_grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def check_layer(layer, input_shape, batch_size=2, x=None, seed=0, h=1e-4, verbose=True,
                training=False):
    """Check a layer's backward against numerical gradients, in float64.

    layer: an unbuilt layer (it is built here in float64 for ``input_shape``,
    the per-sample shape). x: the input batch (N, *input_shape); random normal
    when None. training: the forward's mode (BatchNormalization differs; its
    running statistics are not written, so every forward computes the same).
    Returns {"x": err, "W": err, ...}: the max relative error of the
    input gradient and of each parameter's gradient; prints them when verbose.
    """
    rng = np.random.default_rng(seed)
    layer.build(input_shape, dtype=np.float64)
    if x is None:
        x = rng.standard_normal((batch_size,) + tuple(input_shape))
    x = np.array(x, dtype=np.float64)
    upstream = rng.standard_normal((len(x),) + layer.output_shape)

    def loss():
        return float(np.sum(layer.forward(x, training) * upstream))

    loss()
    grad_x = layer.backward(upstream.copy())
    analytic = {"x": grad_x, **{k: g.copy() for k, g in layer.grads.items()}}
    errors = {"x": rel_error(grad_x, numerical_gradient(loss, x, h))}
    for key, param in layer.params.items():
        errors[key] = rel_error(analytic[key], numerical_gradient(loss, param, h))
    if verbose:
        report = ", ".join(f"d{k}: {e:.2e}" for k, e in errors.items())
        print(f"{layer!r}: max relative error {report}")
    return errors


def check_model(model, x, y, h=1e-4, verbose=True, check_input=False):
    """Check a whole compiled model's gradients of its loss on (x, y).

    The check runs on a float64 copy of the model (same weights), so a float32
    model is checked too, through its float64 clone. Runs in inference mode, so
    Dropout is the identity and the check is deterministic. Returns
    {"layer.param": max relative error}; with check_input, also "input":
    the error of dL/dx (``model.input_gradient``).
    """
    if model.loss is None:
        raise ValueError(f"check_model: compile {model.name} first (the check needs its loss)")
    if model.dtype != np.float64:
        model = copy_model(model, np.float64)
    x = np.array(x, dtype=np.float64)
    model.compute_gradients(x, y, training=False)
    analytic = {name: grad.copy() for name, _, grad in model.parameters()}
    errors = {}
    for name, param, _ in model.parameters():
        numeric = numerical_gradient(lambda: model.compute_loss(x, y, training=False), param, h)
        errors[name] = rel_error(analytic[name], numeric)
    if check_input:
        errors["input"] = rel_error(model.input_gradient(x, y), numerical_gradient(
            lambda: model.compute_loss(x, y, training=False), x, h))
    if verbose:
        for name, error in errors.items():
            print(f"{name}: max relative error {error:.2e}")
    return errors
