"""Looking inside a model: the summary table and the per-layer trace of one step."""
import time

import numpy as np

from minicnn import regularizers


def summary_text(model):
    """Keras's table: layer (type), output shape, parameter count, and the totals."""
    names = [f"{layer.name} ({type(layer).__name__})" for layer in model.layers]
    width = max([28] + [len(name) + 2 for name in names])
    rule = "_" * (width + 37)
    lines = [f'Model: "{model.name}"', rule,
             f" {'Layer (type)':<{width}}{'Output Shape':<26}{'Param #':<10}", "=" * len(rule)]
    for name, layer in zip(names, model.layers):
        per_sample = layer.per_sample_output_shape if layer.output_shape is not None else layer.shape
        shape = "(None, " + ", ".join(map(str, per_sample)) + ")"
        lines.append(f" {name:<{width}}{shape:<26}{layer.count_params():<10,}")
    # trainable: the parameters; non-trainable: the state (BatchNormalization's
    # running statistics), which Keras counts in the total too
    trainable = sum(array.size for layer in model.layers for array in layer.params.values())
    total = model.count_params()
    lines += ["=" * len(rule), f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}", rule]
    return "\n".join(lines)


def layer_output(model, x, layer):
    """The output of ``layer`` (an index or a name) for inputs x, in inference mode."""
    names = [current.name for current in model.layers]
    if not (isinstance(layer, int) and -len(names) <= layer < len(names)) and layer not in names:
        raise ValueError(f"{model.name}.layer_output: no layer {layer!r}; layers are {names}")
    index = layer if isinstance(layer, int) else names.index(layer)
    x = model.prepare_input(x)
    for current in model.layers[:index % len(names) + 1]:
        x = current.forward(x, training=False)
    return x


def trace(model, x, y, print_fn=print):
    """One forward and backward on a batch, timing every layer; see Sequential.trace."""
    x = model.prepare_input(x)
    forward_ms = []
    output = x
    for layer in model.layers:  # model.forward, one layer at a time, timed
        start = time.perf_counter()
        output = layer.forward(output, training=True)
        forward_ms.append(1000 * (time.perf_counter() - start))
    loss = model.loss_value(output, y)
    grad, last = model.loss.backward(), len(model.layers) - 1
    lowest = model.first_with_parameters()  # below it nothing learns: fit's backward stops there
    backward_ms = [0.0] * len(model.layers)
    for i in reversed(range(lowest, len(model.layers))):  # model.backward_loss, timed
        start = time.perf_counter()
        if i == last and model.loss_is_fused():
            grad = model.layers[i].backward_from_pre_activation(grad, input_grad=i > lowest)
        else:
            grad = model.layers[i].backward(grad, input_grad=i > lowest)
        backward_ms[i] = 1000 * (time.perf_counter() - start)
    regularizers.add_penalty_gradients(model)
    rows = []
    for layer, t_forward, t_backward in zip(model.layers, forward_ms, backward_ms):
        norms = {k: (float(np.linalg.norm(p)), float(np.linalg.norm(layer.grads[k])))
                 for k, p in layer.params.items()}
        rows.append({"layer": layer.name, "type": type(layer).__name__,
                     "input_shape": (len(x),) + layer.input_shape,
                     "output_shape": (len(x),) + layer.output_shape,
                     "forward_ms": t_forward, "backward_ms": t_backward, "norms": norms})
    lines = [f"trace of one batch: loss {loss:.4f}",
             f"{'layer':<22}{'input':<20}{'output':<20}{'fwd ms':>8}{'bwd ms':>8}  |param| / |grad|"]
    for r in rows:
        norms = ", ".join(f"{k}: {p:.3g} / {g:.3g}" for k, (p, g) in r["norms"].items())
        lines.append(f"{r['layer']:<22}{str(r['input_shape']):<20}{str(r['output_shape']):<20}"
                     f"{r['forward_ms']:>8.2f}{r['backward_ms']:>8.2f}  {norms}")
    print_fn("\n".join(lines))
    return rows
