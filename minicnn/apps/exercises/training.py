"""The last graded cell: the lesson's X-ray model trained with all of the student's
functions, beside minicnn's own with the same seed.

    trains_like_minicnn(train_step)     reads parts 1 to 3 as saved, trains twice,
                                        prints both and raises when they differ

Everything it needs comes from here and from the saved notebooks, not from the
notebook's other cells (which a student may change). minicnn's own run takes the
Adam form the student's adam takes (both forms pass their check): Keras's is
minicnn's Adam, the paper's is minicnn's Adam with epsilon moved
(checks/optimizers.py, paper_update), put in place through the registry.
"""
import contextlib
import time

import numpy as np

import minicnn
from minicnn.apps.exercises import registry
from minicnn.apps.exercises.answers import answers
from minicnn.apps.exercises.calling import students_line
from minicnn.apps.exercises.checks.optimizers import adam_form, paper_update
from minicnn.apps.exercises.plug import use
from minicnn.apps.exercises.verdict import ExerciseFailed
from minicnn.optimizers import Adam

PARTS = ("part-1-convolution.ipynb", "part-2-pooling-relu-dense.ipynb",
         "part-3-loss-dropout-optimizers.ipynb")
FROM_PARTS = ("conv_forward", "conv_backward", "maxpool_forward", "maxpool_backward",
              "relu_forward", "relu_backward", "dense_forward", "dense_backward", "softmax_loss",
              "dropout_forward", "dropout_backward", "adam")
# Trained in float32 for six epochs, the two models end within about 1e-7 of each other
# (rounding in another order); a mistake that survives every check moves them far more.
WEIGHTS_APART = 1e-4
FORM_NAMES = {"keras": "Keras's form", "paper": "the paper's form"}


def recipe(epochs=6):
    """The X-ray recipe on the bundled sample, seed 0: (model, test accuracy, seconds)."""
    from minicnn.apps.projects import xray
    minicnn.set_seed(0)
    train_images, validation, test = xray.load_data(batch_size=32, seed=0, verbose=0)
    model = xray.build_model(num_classes=len(train_images.class_indices))
    model.compile(minicnn.optimizers.Adam(1e-3), "categorical_crossentropy", ["accuracy"])
    start = time.perf_counter()
    model.fit(train_images, epochs=epochs, validation_data=validation, verbose=0, seed=0)
    seconds = time.perf_counter() - start
    return model, model.evaluate(test, verbose=0)[1], seconds


def trained(epochs, whose):
    """recipe(epochs); what it raises said in a sentence."""
    return running(lambda: recipe(epochs), f"Training the X-ray model with {whose}")


def running(run, what):
    """run(); what it raises said in a sentence beginning with ``what`` (with the line
    of the student's code that raised it, if one did)."""
    try:
        return run()
    except ExerciseFailed:
        raise
    except Exception as error:  # the student's functions, in a real model, may raise anything
        raise ExerciseFailed("\n".join(
            [f"{what} raised {type(error).__name__}: {str(error)[:500]}"]
            + students_line(error))) from None


def students_functions(train_step, notebooks=PARTS):
    """{name: function}: parts 1 to 3's, as saved, and this notebook's train_step."""
    try:
        yours = answers(*notebooks)
    except FileNotFoundError as error:
        raise ExerciseFailed(f"{error}; save parts 1 to 3 (Ctrl-S) in this folder") from None
    absent = [name for name in FROM_PARTS if name not in yours]
    if absent:
        raise ExerciseFailed(f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} not "
                             f"defined in the answer cells of parts 1 to 3 as saved: write "
                             f"{'it' if len(absent) == 1 else 'them'} there and save")
    return {**{name: yours[name] for name in FROM_PARTS}, "train_step": train_step}


@contextlib.contextmanager
def minicnns_own(form):
    """minicnn's own code in textbook mode (the NumPy ops), its Adam in ``form``."""
    token = registry.begin("minicnn's own ops" + (", its Adam in the paper's form"
                                                  if form == "paper" else ""))
    try:
        registry.plug_ops({})  # no op of the student's: the textbook's, fit's plain step
        if form == "paper":
            registry.replace(Adam, "update", paper_update)
        yield
    finally:
        registry.end(token)


def trains_like_minicnn(train_step, epochs=6, notebooks=PARTS):
    """Train the recipe with the student's functions, then with minicnn's own; print
    both; raise ExerciseFailed unless they end with the same test accuracy and
    weights within WEIGHTS_APART."""
    functions = students_functions(train_step, notebooks)
    form = adam_form(functions["adam"])[0] or "keras"  # use() says when it takes neither
    with use(**functions):  # checks each of them first
        your_model, your_accuracy, your_seconds = trained(epochs, "your functions")
    with minicnns_own(form):
        their_model, their_accuracy, their_seconds = trained(epochs, "minicnn's own")
    apart = max(float(np.abs(a - b).max())
                for a, b in zip(your_model.get_weights(), their_model.get_weights()))
    print(f"test accuracy with your functions: {your_accuracy:.3f}  ({your_seconds:.1f} s of "
          f"training)")
    print(f"test accuracy with minicnn's:      {their_accuracy:.3f}  ({their_seconds:.1f} s of "
          f"training; Adam in {FORM_NAMES[form]}, as yours)")
    print(f"the largest difference between the two models' weights: {apart:.1e}")
    if your_accuracy != their_accuracy or not apart < WEIGHTS_APART:
        raise ExerciseFailed(
            f"Trained with your functions, the X-ray model ends {apart:.1e} away from minicnn's "
            f"(the largest difference between their weights; rounding alone leaves less than "
            f"{WEIGHTS_APART:g}), with test accuracy {your_accuracy:.3f} against "
            f"{their_accuracy:.3f}. Every function passed its check, so the difference shows "
            f"only in training: plug them in a few at a time (exercises.use) and train "
            f"beside minicnn's to find which one.")
    return your_model, their_model
