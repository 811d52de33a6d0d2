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
    smoothgrad(model, x)  the mean of |saliency| over noisy copies of x (Smilkov et al. 2017;
                         absolute=False: the signed mean, their definition)
    receptive_field_centres(model, layer)   where each unit of a layer looks: the pixel at
                         the centre of its window on the input, per axis
    registered_upsample(heatmap, centres, size)   a layer's map drawn over the image: each
                         unit's value at its receptive field's centre, bilinear in between

A raw saliency map of a strided, max-pooled network is a grid: the gradient reaches the
input only through the first layer's windows (5x5 every 3 pixels in the X-ray model, so
pixels are covered once or twice) and, at each 2x2 max-pool, only through the window's
winner. SmoothGrad averages much of that away: noise changes the winners from copy to copy.
(Average the gradient's magnitude, not the signed gradient: in a ReLU network the signs flip
from copy to copy and a signed mean cancels back to speckle.)

With few channels (the X-ray model's last convolution has 3) every a_k can come
out negative, and Grad-CAM's ReLU then leaves an empty map; the elementwise
form keeps where the evidence is (notebook 07 shows such a case).
"""
import numpy as np

from minicnn.layers import Conv2D, Cropping2D
from minicnn.preprocessing.layers import CenterCrop


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


def smoothgrad(model, x, class_index=None, samples=20, noise=0.15, seed=0, absolute=True):
    """SmoothGrad: the saliency of ``samples`` noisy copies of x, averaged (same shape as
    x): of its magnitude |d score / d x| (absolute=True), or signed (absolute=False, as
    Smilkov et al. define it). Each copy adds Gaussian noise of standard deviation
    ``noise`` times the image's range (max - min); the class is the predicted one on the
    clean x unless class_index is given, the same for every copy."""
    if not (isinstance(samples, int) and samples >= 1):
        raise ValueError(f"smoothgrad: samples must be an int >= 1, got {samples!r}")
    if not noise >= 0:
        raise ValueError(f"smoothgrad: noise must be >= 0 (a fraction of the image's range), "
                         f"got {noise!r}")
    x = model.prepare_input(x)
    if class_index is None:
        output = model.forward(x, training=False)
        class_index, _ = _predicted(model, output)
    axes = tuple(range(1, x.ndim))
    sigma = (noise * (x.max(axis=axes) - x.min(axis=axes))).reshape((-1,) + (1,) * (x.ndim - 1))
    rng = np.random.default_rng(seed)
    total = np.zeros(x.shape, dtype=np.float64)
    for _ in range(samples):
        noisy = x + (sigma * rng.standard_normal(x.shape)).astype(x.dtype)
        gradient = saliency(model, noisy, class_index)
        total += np.abs(gradient) if absolute else gradient
    return (total / samples).astype(x.dtype)


def _predicted(model, output):
    """The predicted class per sample, from the last layer's scores."""
    last = model.layers[-1]
    scores = last.pre_activation() if last.activation in ("softmax", "sigmoid") else output
    return scores.reshape(len(scores), -1).argmax(axis=1), scores


def receptive_field_centres(model, layer):
    """(rows, columns): for each unit of ``layer``'s output grid (index or name), the input
    pixel (in index coordinates: pixel p spans p - 0.5 .. p + 0.5) at the centre of the
    window it sees. Each sliding-window layer (kernel or pool k, stride s, padding before
    p) maps unit i to input position s * i - p + (k - 1) / 2; composing them gives a
    line a * i + b per axis. The X-ray model's last convolution: 6 * i + 9.5, from 9.5 to
    243.5 on a 256-pixel image."""
    index = _layer_index(model, layer, "receptive_field_centres")
    scale, offset = [1.0, 1.0], [0.0, 0.0]
    for current in model.layers[:index + 1]:
        if hasattr(current, "window") and hasattr(current, "pads"):
            for axis in (0, 1):
                before = current.pads[2 * axis]
                offset[axis] += scale[axis] * ((current.window[axis] - 1) / 2 - before)
                scale[axis] *= current.strides[axis]
        elif _crop_offset(current) is not None:  # a crop moves the grid, unscaled
            for axis, cut in enumerate(_crop_offset(current)):
                offset[axis] += scale[axis] * cut
        elif tuple(current.output_shape[:2]) != tuple(current.input_shape[:2]):
            raise ValueError(f"receptive_field_centres: {current.name} changes the image's "
                             f"size without a sliding window; its units have no one centre")
    height, width = model.layers[index].output_shape[:2]
    return (scale[0] * np.arange(height) + offset[0], scale[1] * np.arange(width) + offset[1])


def _crop_offset(layer):
    """(rows, columns) a crop cuts off before its window (CenterCrop, Cropping2D), or None
    for any other layer (or a CenterCrop that resizes an image smaller than its window)."""
    if isinstance(layer, Cropping2D):
        return layer.cropping[0], layer.cropping[2]
    if isinstance(layer, CenterCrop):
        top = (layer.input_shape[0] - layer.height) // 2
        left = (layer.input_shape[1] - layer.width) // 2
        return (top, left) if top >= 0 and left >= 0 else None
    return None


def _layer_index(model, layer, owner):
    names = [each.name for each in model.layers]
    index = layer if isinstance(layer, (int, np.integer)) else (
        names.index(layer) if layer in names else None)
    if index is None or not 0 <= index < len(names):
        raise ValueError(f"{owner}: layer must be an index or a name of {model.name}'s layers; "
                         f"got {layer!r}")
    if len(model.layers[index].output_shape) != 3:
        raise ValueError(f"{owner}: {names[index]} does not output feature maps")
    return int(index)


def registered_upsample(heatmap, centres, size):
    """A (h, w) map of a layer drawn on an image of ``size`` (height, width): unit (i, j)'s
    value sits at pixel (rows[i], columns[j]) (``centres`` from receptive_field_centres),
    bilinear between centres, the edge units' values held beyond the outermost centres.
    (Stretching the map over the whole image instead puts the edge units up to a stride
    away from where they look.)"""
    rows, columns = centres
    heatmap = np.asarray(heatmap, dtype=np.float64)
    if heatmap.shape != (len(rows), len(columns)):
        raise ValueError(f"registered_upsample: the map is {heatmap.shape}, the centres are "
                         f"for ({len(rows)}, {len(columns)})")
    return (_interpolation(rows, size[0]) @ heatmap @ _interpolation(columns, size[1]).T)


def _interpolation(centres, size):
    """(size, len(centres)): row p holds the weights np.interp gives the centres at p."""
    weights = np.zeros((size, len(centres)))
    for k in range(len(centres)):
        unit = np.zeros(len(centres))
        unit[k] = 1
        weights[:, k] = np.interp(np.arange(size), centres, unit)
    return weights
