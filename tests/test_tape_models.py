"""The tape on the X-ray lesson's model, against what minicnn computes without it: a custom
training loop written as keras.io writes it reaches fit's weights; keras.io's Grad-CAM
program gives minicnn.apps.explain's Grad-CAM; and in textbook mode a breakpoint in any
layer's backward reached through a GradientTape shows only the tape, the layers and
ops/reference.py."""
import os
import sys
import traceback

import numpy as np
import pytest

import minicnn
import minicnn as tf  # a tutorial's "import tensorflow as tf", rewritten
from minicnn import keras
from minicnn.apps import explain
from minicnn.apps.projects import xray
from minicnn.sequential import copy_model

PACKAGE = os.path.dirname(os.path.abspath(minicnn.__file__))
BATCH, STEPS = 4, 3


@pytest.fixture(scope="module")
def images():
    """12 bundled test films (256x256 grayscale, no augmentation) and one-hot labels."""
    _, _, test = xray.load_data(batch_size=BATCH * STEPS, seed=0, validation_split=0, verbose=0)
    return test[0]


def keras_io_training_loop(model, x, y, training=True):
    """keras.io, "Writing a training loop from scratch": the loop as the guide writes it."""
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.CategoricalCrossentropy()
    train_dataset = [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, len(x), BATCH)]
    for step, (x_batch_train, y_batch_train) in enumerate(train_dataset):
        with tf.GradientTape() as tape:
            logits = model(x_batch_train, training=training)
            loss_value = loss_fn(y_batch_train, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))


def test_a_keras_io_training_loop_reaches_fits_weights(images, ops_mode):
    """Same seed (so the same initial weights and dropout masks), same batches in the same
    order, Adam: the loop's weights are fit's to float32 rounding, in textbook mode and with
    the fast ops; the loop without dropout (training=False) is not, so the test can tell."""
    x, y = images
    minicnn.set_seed(0)
    by_fit = xray.build_model(3)
    start = by_fit.get_weights()
    by_fit.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                   loss="categorical_crossentropy")
    by_fit.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    by_tape, no_dropout = [], []
    for model, training in ((by_tape, True), (no_dropout, False)):
        minicnn.set_seed(0)
        model.append(xray.build_model(3))
        keras_io_training_loop(model[0], x, y, training)
    fitted, looped = by_fit.get_weights(), by_tape[0].get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(start, xray_initial_weights()))
    moved = min(float(np.abs(a - b).max()) for a, b in zip(fitted, start))
    difference = max(float(np.abs(a - b).max()) for a, b in zip(fitted, looped))
    assert moved > 1e-3 and difference < 1e-6, (moved, difference)
    other = max(float(np.abs(a - b).max()) for a, b in zip(fitted, no_dropout[0].get_weights()))
    assert other > 1e-4, other


def xray_initial_weights():
    minicnn.set_seed(0)
    return xray.build_model(3).get_weights()


# -- Grad-CAM: keras.io's program beside explain.grad_cam ----------------------------------------
def make_gradcam_heatmap(img_array, model, last_conv_layer_name, pred_index=None):
    """keras.io's make_gradcam_heatmap (examples/vision/grad_cam), with its imports rewritten;
    it also returns the map before its last line (ReLU and division by the maximum)."""
    grad_model = keras.models.Model(
        model.inputs, [model.get_layer(last_conv_layer_name).output, model.output]
    )
    with tf.GradientTape() as tape:
        last_conv_layer_output, preds = grad_model(img_array)
        if pred_index is None:
            pred_index = tf.argmax(preds[0])
        class_channel = preds[:, pred_index]
    grads = tape.gradient(class_channel, last_conv_layer_output)
    pooled_grads = tf.reduce_mean(grads, axis=(0, 1, 2))
    last_conv_layer_output = last_conv_layer_output[0]
    heatmap = last_conv_layer_output @ pooled_grads[..., tf.newaxis]
    heatmap = tf.squeeze(heatmap)
    weighted_sum = heatmap.numpy()
    heatmap = tf.maximum(heatmap, 0) / tf.math.reduce_max(heatmap)
    return heatmap.numpy(), weighted_sum


def test_keras_io_grad_cam_gives_explains_grad_cam(images):
    """What differs, by design: keras.io removes the softmax (model.layers[-1].activation =
    None, here on a copy) where explain reads the last layer's pre-activation itself; keras.io
    averages the gradient over the batch axis too (one image: the same); keras.io divides by
    the map's maximum (NaN when that is 0) and stretches the map over the image with PIL,
    where explain returns the map unnormalised at the layer's resolution (notebook 07 draws it
    at the receptive fields' centres, registered_upsample). So compared: ReLU of keras.io's
    weighted sum with explain's map, and keras.io's heatmap with explain's over its maximum."""
    x, y = images
    minicnn.set_seed(0)
    model = xray.build_model(3)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    io_model = copy_model(model)
    io_model.layers[-1].activation = None  # keras.io: "Remove last layer's softmax"
    last_conv = model.layers[explain.last_conv_index(model)].name
    shown = 0
    for i in range(len(x)):
        for c in range(3):
            with np.errstate(invalid="ignore", divide="ignore"):  # keras.io's 0 / 0 on an empty map
                heatmap, weighted_sum = make_gradcam_heatmap(x[i:i + 1], io_model, last_conv, c)
            cam = explain.grad_cam(model, x[i:i + 1], class_index=c)[0]
            assert heatmap.shape == cam.shape == (40, 40)
            np.testing.assert_allclose(np.maximum(weighted_sum, 0), cam, rtol=1e-5,
                                       atol=1e-6 * max(cam.max(), 1e-3))
            if cam.max() > 0:
                np.testing.assert_allclose(heatmap, cam / cam.max(), rtol=1e-5, atol=1e-6)
                shown += 1
    assert shown >= 10  # maps that are not empty were compared


# -- textbook mode: what a breakpoint in a backward reached through the tape shows ---------------
def relative(path):
    return os.path.relpath(path, PACKAGE) if path.startswith(PACKAGE) else path


def test_a_breakpoint_in_a_backward_reached_by_the_tape_shows_the_tape_and_the_layer(images):
    """A custom loop's tape.gradient on the X-ray model, set_ops("numpy"): at every layer's
    backward the stack from this test down holds only minicnn/tape/, minicnn/layers/ (and
    what runs during the whole gradient call is core: the tape, the layers, ops/reference.py
    and windows.py, the activations and the loss's own backward; no fast op, no thread pool)."""
    x, y = images
    minicnn.set_seed(0)
    model = xray.build_model(3)
    loss_fn = keras.losses.CategoricalCrossentropy()
    stacks, ran = {}, set()

    def watch(frame, event, arg):
        if event != "call":
            return
        ran.add((relative(frame.f_code.co_filename), frame.f_code.co_name))
        if frame.f_code.co_name in ("backward", "backward_from_pre_activation") \
                and frame.f_code.co_filename.startswith(os.path.join(PACKAGE, "layers")):
            stack = traceback.extract_stack(frame)
            here = [i for i, entry in enumerate(stack) if entry.name == watched.__name__]
            stacks.setdefault(type(frame.f_locals["self"]).__name__, [  # its outermost backward
                (relative(entry.filename), entry.name) for entry in stack[here[-1] + 1:]])

    def watched(tape, loss):
        return tape.gradient(loss, model.trainable_variables)
    minicnn.set_ops("numpy")
    try:
        with tf.GradientTape() as tape:
            loss = loss_fn(y[:BATCH], model(x[:BATCH], training=True))
        sys.setprofile(watch)
        try:
            grads = watched(tape, loss)
        finally:
            sys.setprofile(None)
    finally:
        minicnn.set_ops("numba")
    assert all(g is not None for g in grads)
    assert set(stacks) == {"Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense"}, stacks
    for layer, stack in stacks.items():
        files = [file for file, _ in stack]
        assert files[0] == os.path.join("tape", "gradient_tape.py"), stack
        assert files[-1].startswith("layers" + os.sep), stack
        assert {f.split(os.sep)[0] for f in files} == {"tape", "layers"}, (layer, stack)
        # the node's backward rule hands the gradient straight to the layer's own backward
        assert stack[-2] == (os.path.join("tape", "layer_calls.py"), "backward"), stack
    files = {file for file, _ in ran if not file.startswith(os.sep)}
    allowed = {os.path.join("ops", "reference.py"), os.path.join("ops", "windows.py"),
               os.path.join("ops", "__init__.py"), "activations.py", "losses.py", "nesting.py"}
    assert {f for f in files if not f.startswith(("tape" + os.sep, "layers" + os.sep))} <= allowed, \
        sorted(files)
    assert (os.path.join("ops", "reference.py"), "conv2d_backward") in ran


def test_a_gradient_inside_a_tape_that_follows_it_warns_that_it_is_not_recorded():
    """No gradients of gradients (docs/tape.md): where TensorFlow would record the inner
    gradient, minicnn says so at once instead of handing the outer tape a silent None."""
    import warnings
    import minicnn as tf
    x = tf.Variable(np.array(3.0))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x * x * x
        with pytest.warns(UserWarning, match="no gradients of gradients"):
            first = inner.gradient(y, x)
    assert float(first) == 27.0 and outer.gradient(first, x) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tf.GradientTape() as alone:
            y = x * x
        assert float(alone.gradient(y, x)) == 6.0
