"""Part 5's last graded cell: the X-ray model trained by a GradientTape loop with the
student's backward walk, beside the same loop with minicnn's own walk.

    tape_trains_like_minicnn(backward_walk)     trains twice, prints both, raises when
                                                the weights differ

The loop is keras.io's ("Writing a training loop from scratch"): the model called
under a tape (one node per layer, whose backward is the layer's own), the loss,
tape.gradient, optimizer.apply_gradients. Both runs are in textbook mode (the NumPy
ops) with the same seed: the same weights at the start, the same batches, the same
dropout masks; only the walk differs. Everything comes from here, not from the
notebook's other cells.
"""
import functools

import numpy as np

import minicnn
from minicnn.apps.exercises.plug import check_all, use
from minicnn.apps.exercises.training import minicnns_own, running
from minicnn.apps.exercises.verdict import ExerciseFailed
from minicnn.losses import CategoricalCrossentropy
from minicnn.optimizers import Adam
from minicnn.tape import GradientTape

# A few steps on small images: the lesson's model, the loop and the walk are what is
# compared, not how well it learns. Both runs do the same arithmetic in the same order,
# unless a walk adds a tensor's gradients in another order (float32 rounding, about 1e-7).
STEPS, BATCH_SIZE, IMAGE_SIZE = 4, 16, (64, 64)
WEIGHTS_APART = 1e-5


def tape_loop(steps=STEPS):
    """The X-ray model on the bundled sample, trained by a tape loop: (model, losses)."""
    from minicnn.apps.projects import xray
    minicnn.set_seed(0)
    train, _, _ = xray.load_data(batch_size=BATCH_SIZE, seed=0, validation_split=0,
                                 image_size=IMAGE_SIZE, verbose=0)
    model = xray.build_model(num_classes=len(train.class_indices),
                             input_shape=IMAGE_SIZE + (1,))
    loss_fn, optimizer = CategoricalCrossentropy(), Adam(1e-3)
    losses = []
    for step in range(steps):
        x, y = train[step]
        with GradientTape() as tape:
            probabilities = model(x, training=True)
            loss = loss_fn(y, probabilities)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    return model, losses


def counted(backward_walk, calls):
    """backward_walk, counting its calls (so the cell can say that it ran)."""
    @functools.wraps(backward_walk)
    def walk(*args):
        calls.append(1)
        return backward_walk(*args)
    return walk


def tape_trains_like_minicnn(backward_walk, steps=STEPS):
    """Check the student's walk, train the tape loop with it (plugged in by
    exercises.use), then with minicnn's; print both; raise ExerciseFailed unless the
    weights end within WEIGHTS_APART."""
    calls = []
    check_all({"backward_walk": backward_walk}, ["backward_walk"])  # as use() would
    with use(checked=False, backward_walk=counted(backward_walk, calls)):
        yours, your_losses = running(lambda: tape_loop(steps),
                                     "A tape loop training the X-ray model with your walk")
    with minicnns_own("keras"):
        theirs, their_losses = running(lambda: tape_loop(steps),
                                       "A tape loop training the X-ray model with minicnn's walk")
    apart = max(float(np.abs(a - b).max())
                for a, b in zip(yours.get_weights(), theirs.get_weights()))
    print(f"losses with your walk ({len(calls)} walks, one per step):  "
          + "  ".join(f"{loss:.4f}" for loss in your_losses))
    print("losses with minicnn's walk:                 "
          + "  ".join(f"{loss:.4f}" for loss in their_losses))
    print(f"the largest difference between the two models' weights: {apart:.1e}")
    if not calls:
        raise ExerciseFailed("tape.gradient never called your backward_walk: is minicnn's "
                             "recording.backward_pass replaced by something else? Restart "
                             "the kernel and run the notebook again.")
    if not apart < WEIGHTS_APART:
        raise ExerciseFailed(
            f"Trained by a tape loop with your walk, the X-ray model ends {apart:.1e} away "
            f"from minicnn's (the largest difference between their weights; rounding alone "
            f"leaves less than {WEIGHTS_APART:g}). Your walk passed its check, so the "
            f"difference shows only in training: compare tape.gradient's answers, with your "
            f"walk and without, on the model's first batch.")
    return yours, theirs
