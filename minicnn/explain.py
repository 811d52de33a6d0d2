"""Where does the model look? Saliency maps and Grad-CAM, from the manual backprop.

Both differentiate a class's *score*: the last layer's pre-activation (the logit
before the softmax or sigmoid), so that the answer is not squashed by the other
classes' probabilities.

    saliency(model, x)   d score / d x            (N, H, W, C): which pixels move the score
    grad_cam(model, x)   ReLU(sum_k a_k A_k)      (N, H', W'): A = a conv layer's feature
                         a_k = mean over (H', W') of d score / d A_k      maps (Selvaraju et al.)
    grad_cam(model, x, weighting="elementwise")
                         ReLU(sum_k dS/dA_k * A_k)  each position weighted by its own gradient
                                                    (HiResCAM, Draelos & Carin 2020)

With few channels (the X-ray model's last convolution has 3) every a_k can come
out negative, and Grad-CAM's ReLU then leaves an empty map; the elementwise
form keeps where the evidence is (notebook 07 shows such a case).
"""
import numpy as np

from minicnn.layers import Conv2D


def _class_scores_gradient(model, output, class_index):
    """(dscore/d(last pre-activation), from_pre_activation): one-hot rows for the chosen classes."""
    last = model.layers[-1]
    from_pre_activation = last.activation in ("softmax", "sigmoid")
    scores = last.pre_activation() if from_pre_activation else output
    scores = scores.reshape(len(scores), -1)
    if class_index is None:
        class_index = scores.argmax(axis=1)
    index = np.broadcast_to(np.asarray(class_index, dtype=np.int64), (len(scores),))
    if np.any(index < 0) or np.any(index >= scores.shape[1]):
        raise ValueError(f"class_index must be in [0, {scores.shape[1]}), got {class_index!r}")
    grad = np.zeros(scores.shape, dtype=scores.dtype)
    grad[np.arange(len(scores)), index] = 1
    return grad.reshape((len(scores),) + last.output_shape), from_pre_activation


def saliency(model, x, class_index=None):
    """The gradient of class ``class_index``'s score (default: the predicted
    class; an int, or one per sample) with respect to the input batch x, in
    inference mode. Same shape as x, signed."""
    x = model.prepare_input(x)
    output = model.forward(x, training=False)
    grad, from_pre_activation = _class_scores_gradient(model, output, class_index)
    return model.backward(grad, from_pre_activation, input_grad=True)


def last_conv_index(model):
    convs = [i for i, layer in enumerate(model.layers) if isinstance(layer, Conv2D)]
    if not convs:
        raise ValueError(f"grad_cam: {model.name} has no Conv2D layer")
    return convs[-1]


def grad_cam(model, x, class_index=None, layer=None, weighting="mean"):
    """Grad-CAM on a convolutional layer (default: the last Conv2D): (N, H', W')
    at that layer's resolution, ReLU of its feature maps weighted by the spatial
    mean of the score's gradient with respect to them (weighting="mean"), or by
    the gradient at each position (weighting="elementwise", HiResCAM)."""
    if weighting not in ("mean", "elementwise"):
        raise ValueError(f"grad_cam: weighting must be 'mean' or 'elementwise', got {weighting!r}")
    if layer is None:
        index = last_conv_index(model)
    else:
        names = [each.name for each in model.layers]
        index = layer if isinstance(layer, int) else names.index(layer) if layer in names else None
        if index is None or not 0 <= index < len(names) - 1:
            raise ValueError(f"grad_cam: layer must name a layer before the last; got {layer!r}")
    if len(model.layers[index].output_shape) != 3:
        raise ValueError(f"grad_cam: {model.layers[index].name} does not output feature maps")
    x = model.prepare_input(x)
    features = x
    for i, current in enumerate(model.layers):
        features = current.forward(features, training=False)
        if i == index:
            maps = features
    grad, from_pre_activation = _class_scores_gradient(model, features, class_index)
    grad_maps = model.backward(grad, from_pre_activation, down_to=index + 1)
    if weighting == "elementwise":
        return np.maximum((grad_maps * maps).sum(axis=3), 0)
    weights = grad_maps.mean(axis=(1, 2))                     # (N, K)
    return np.maximum(np.einsum("nhwk,nk->nhw", maps, weights), 0)
