"""exercises.use: the student's functions in minicnn's place, and minicnn's back after.
Trained with the solutions plugged in, the X-ray model ends with the weights it ends
with on minicnn's NumPy ops."""
import numpy as np
import pytest

import minicnn
import minicnn.sequential
from minicnn import activations, exercises, ops
from minicnn.apps.exercises import ExerciseFailed, PLUGS, use
from minicnn.apps.exercises.release import sources
from minicnn.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from minicnn.losses import SoftmaxCrossEntropy
from minicnn.training.trainer import Sequential
from minicnn.optimizers import SGD, Adam
from minicnn.apps.projects import xray
from minicnn.tape import GradientTape, constant, operations, recording

SOLUTION = exercises.answers(*sources())
EVERYTHING = {name: SOLUTION[name] for name in PLUGS}
CLASSES = (Dense, Activation, Dropout, SoftmaxCrossEntropy, SGD, Adam, Sequential,
           minicnn.sequential.Sequential, activations, recording, ops, minicnn)


@pytest.fixture(autouse=True)
def minicnns_own_after():
    """Whatever a test leaves in place, the next starts from minicnn's own (set_ops
    puts back everything the exercises replaced)."""
    yield
    minicnn.set_ops("numba")


def methods():
    """Every function of the classes and modules the exercises replace things in."""
    return {(owner, name): value for owner in CLASSES for name, value in vars(owner).items()
            if callable(value) and name not in ops.OPS}


def active_ops():
    """The ops' name and where each op's function comes from (set_ops rebinds the
    numba rung's load-on-first-call functions anew, equal but not the same objects)."""
    return ops.get_ops(), [(f.__module__, f.__qualname__) for f in map(vars(ops).get, ops.OPS)]


def xray_run(steps, plugged=None, image_size=(64, 64)):
    """``steps`` training steps of the X-ray recipe (a small image size: the lesson's
    --image-size) in float64, with the solutions plugged in or on minicnn's NumPy ops."""
    minicnn.set_seed(0)
    train, _, _ = xray.load_data(batch_size=16, seed=0, validation_split=0, image_size=image_size,
                                 verbose=0)
    model = xray.build_model(3, input_shape=image_size + (1,))
    model.build(image_size + (1,), np.float64)
    model.compile(Adam(1e-2), "categorical_crossentropy", ["accuracy"])
    if plugged:
        with use(**plugged):
            model.fit(train, epochs=1, steps_per_epoch=steps, verbose=0, seed=0)
    else:
        minicnn.set_ops("numpy")
        try:
            model.fit(train, epochs=1, steps_per_epoch=steps, verbose=0, seed=0)
        finally:
            minicnn.set_ops("numba")
    return model


def test_training_with_the_solutions_plugged_in_gives_minicnns_weights():
    ours, theirs = xray_run(3, EVERYTHING), xray_run(3)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert not np.allclose(ours.get_weights()[0], xray.build_model(3, (64, 64, 1)).get_weights()[0])


def test_use_puts_everything_back_when_done():
    before, ops_before = methods(), active_ops()
    with use(**EVERYTHING) as plugged:
        assert ops.get_ops() == "exercises" and methods() != before
        assert "in use" in repr(plugged)
    assert methods() == before and active_ops() == ops_before
    plugged = use(adam=SOLUTION["adam"])
    plugged.undo()
    assert methods() == before and ops.get_ops() == "numba"


def test_a_function_that_fails_its_check_is_refused_and_nothing_is_plugged_in():
    before = methods()

    def flipped(x, w, b, stride=1, pad=0):
        return SOLUTION["conv_forward"](x, w[::-1, ::-1], b, stride, pad)
    refused = r"(?s)your conv_forward does not pass its check yet.*Hint \(kernel flipped\)"
    with pytest.raises(ExerciseFailed, match=refused):
        use(conv_forward=flipped)
    assert methods() == before and ops.get_ops() == "numba"


def test_checks_and_another_use_refuse_to_run_while_functions_are_plugged_in():
    with use(adam=SOLUTION["adam"]):
        with pytest.raises(RuntimeError, match="check outside the `with exercises.use"):
            exercises.check("adam", SOLUTION["adam"])
        with pytest.raises(RuntimeError, match="in minicnn's place already; undo that use first"):
            use(sgd_momentum=SOLUTION["sgd_momentum"])


def test_use_says_what_it_cannot_do():
    with pytest.raises(ValueError, match="conv_backward needs conv_forward too"):
        use(conv_backward=SOLUTION["conv_backward"])
    with pytest.raises(ValueError, match="im2col cannot be plugged in"):
        use(im2col=SOLUTION["im2col"])


def test_a_forward_alone_predicts_and_says_why_it_cannot_train():
    model = Sequential([Conv2D(2, 3, activation="relu"), Flatten(), Dense(2, activation="softmax")],
                       input_shape=(6, 6, 1))
    model.compile("adam", "sparse_categorical_crossentropy", [])
    x = np.random.default_rng(0).standard_normal((3, 6, 6, 1)).astype(np.float32)
    minicnn.set_ops("numpy")
    try:
        expected = model.predict(x)
    finally:
        minicnn.set_ops("numba")
    with use(conv_forward=SOLUTION["conv_forward_loops"]):
        np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)
        with pytest.raises(RuntimeError, match="plug in conv_backward too to train"):
            model.train_on_batch(x, np.array([0, 1, 0]))


def test_same_padding_strides_relu_layers_and_sgd_go_through_the_students_functions():
    """TensorFlow's uneven 'same' padding is applied around the student's function,
    which sees pad=0; a ReLU layer runs the student's relu; SGD their momentum."""
    def model():
        minicnn.set_seed(1)
        built = Sequential([Conv2D(3, 3, strides=2, padding="same"), ReLU(),
                            MaxPool2D(2, padding="same"), Dropout(0.2), Flatten(),
                            Dense(2, activation="softmax")])
        built.build((9, 8, 2), np.float64)
        built.compile(SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy", [])
        return built
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((4, 9, 8, 2)), np.array([0, 1, 1, 0])
    ours, theirs = model(), model()
    with use(**{k: v for k, v in EVERYTHING.items() if k != "adam"}):
        for _ in range(2):
            ours.train_on_batch(x, y)
    minicnn.set_ops("numpy")
    try:
        for _ in range(2):
            theirs.train_on_batch(x, y)
    finally:
        minicnn.set_ops("numba")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_the_students_functions_really_run():
    calls = []

    def counted(x, w, b, stride=1, pad=0):
        calls.append(x.shape)
        return SOLUTION["conv_forward"](x, w, b, stride, pad)
    model = Sequential([Conv2D(2, 3), Flatten(), Dense(2)], input_shape=(5, 5, 1))
    with use(conv_forward=counted, conv_backward=SOLUTION["conv_backward"]):
        calls.clear()  # the check called it too
        model.predict(np.zeros((2, 5, 5, 1)))
    minicnn.set_ops("numpy")  # after undo: minicnn's own again
    try:
        model.predict(np.zeros((2, 5, 5, 1)))
    finally:
        minicnn.set_ops("numba")
    assert calls == [(2, 5, 5, 1)]


# -- issue 31: one registry of what is plugged in -------------------------------------------
def test_set_ops_after_a_use_without_with_puts_everything_back(capsys):
    before = methods()
    use(dense_forward=SOLUTION["dense_forward"], dense_backward=SOLUTION["dense_backward"],
        adam=SOLUTION["adam"])
    minicnn.set_ops("numba")  # documented as the undo of a plug
    assert methods() == before and ops.get_ops() == "numba"
    exercises.check("dense_forward", SOLUTION["dense_forward"])  # against minicnn's own Dense
    assert "dense_forward: correct" in capsys.readouterr().out


def test_undo_restores_minicnns_own_whatever_the_order():
    before = methods()
    first = use(dense_forward=SOLUTION["dense_forward"], checked=False)
    minicnn.set_ops("numpy")
    second = use(adam=SOLUTION["adam"], checked=False)
    first.undo()  # undone already (by set_ops): changes nothing, not even the second use
    assert Adam.update is not before[Adam, "update"] and "in use" in repr(second)
    second.undo()
    assert methods() == before and ops.get_ops() == "numpy"
    second.undo()
    first.undo()
    assert methods() == before and "undone" in repr(first)
    minicnn.set_ops("numba")


def test_a_check_refuses_while_minicnns_own_code_is_replaced_by_anything_else():
    own = Dense.forward
    Dense.forward = lambda self, x, training=False: x  # a student's monkeypatch
    try:
        with pytest.raises(RuntimeError, match="Dense.forward has been replaced.*restart"):
            exercises.check("dense_forward", SOLUTION["dense_forward"])
    finally:
        Dense.forward = own


def counting(function, calls):
    def counted(*args):
        calls.append(np.shape(args[0]))
        return function(*args)
    return counted


def test_a_plugged_relu_reaches_every_layer_that_applies_it():
    """Conv2D(activation="relu"), Dense(activation="relu") and ReLU() all run the
    student's ReLU, forward and backward, and train as minicnn's own does."""
    def model():
        minicnn.set_seed(3)
        built = Sequential([Conv2D(2, 3, activation="relu"), ReLU(), Flatten(),
                            Dense(4, activation="relu"), Dense(2, activation="softmax")])
        built.build((6, 6, 1), np.float64)
        built.compile(SGD(0.1), "sparse_categorical_crossentropy", [])
        return built
    x, y = np.random.default_rng(4).standard_normal((3, 6, 6, 1)), np.array([0, 1, 1])
    forwards, backwards = [], []
    ours, theirs = model(), model()
    with use(relu_forward=counting(SOLUTION["relu_forward"], forwards),
             relu_backward=counting(SOLUTION["relu_backward"], backwards)):
        forwards.clear(), backwards.clear()  # the checks called them too
        ours.train_on_batch(x, y)
    assert forwards == [(3, 4, 4, 2), (3, 4, 4, 2), (3, 4)]
    assert backwards == [(3, 4), (3, 4, 4, 2), (3, 4, 4, 2)]
    minicnn.set_ops("numpy")
    try:
        theirs.train_on_batch(x, y)
    finally:
        minicnn.set_ops("numba")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_the_papers_adam_trains_as_minicnns_adam_in_the_papers_form():
    """The last notebook's comparison for the other allowed form of Adam."""
    from minicnn.apps.exercises.training import minicnns_own
    from tests.test_exercises_mistakes import adam_form_of

    def run(plugged=None):
        minicnn.set_seed(0)
        train, _, _ = xray.load_data(batch_size=16, seed=0, validation_split=0,
                                     image_size=(32, 32), verbose=0)
        built = xray.build_model(3, input_shape=(32, 32, 1))
        built.compile(Adam(1e-2), "categorical_crossentropy", [])
        with (use(**plugged) if plugged else minicnns_own("paper")):
            built.fit(train, epochs=1, steps_per_epoch=2, verbose=0, seed=0)
        return built.get_weights()
    paper = adam_form_of()
    paper.__name__ = "adam"
    ours, theirs = run({**EVERYTHING, "adam": paper}), run()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    keras_trained = run({**EVERYTHING})
    assert max(np.abs(a - b).max() for a, b in zip(keras_trained, theirs)) > 1e-6


def test_the_last_graded_cell_says_in_a_sentence_what_training_raised():
    """A train_step that calls model.train_step passes its check (the numbers are
    minicnn's), then, plugged in, would call itself: a sentence, not a RecursionError."""
    from minicnn.apps.exercises import trains_like_minicnn

    def train_step(model, x, y):
        return model.train_step(x, y)
    with pytest.raises(ExerciseFailed, match=r"(?s)^Training the X-ray model with your "
                       r"functions raised RuntimeError: exercises.use: your train_step calls "
                       r"model.train_step.*in train_step, line \d+ of test_exercises_plug.py:\n"
                       r"      return model.train_step\(x, y\)"):
        trains_like_minicnn(train_step, epochs=1, notebooks=sources()[:3])


# -- exercise 10: the student's walk in place of the tape's ----------------------------------
def tape_gradients():
    """tape.gradient as tutorials ask it: one target, several targets with their seeds,
    a persistent tape asked twice, a jacobian; a layer node (Dense.backward) and a tensor
    read twice in each."""
    layer = Dense(3, seed=5)
    x = constant(np.random.default_rng(6).standard_normal((2, 4)))
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        h = layer(x)
        y = h * h + h
        loss = operations.sum(y)
    variables = layer.trainable_variables
    found = [tape.gradient(loss, [x] + variables),
             tape.gradient([loss, y], [x, h], output_gradients=[np.array(2.0), np.ones((2, 3))]),
             tape.gradient(y, variables, output_gradients=np.full((2, 3), 0.5))]
    return [g.numpy() for gradients in found for g in gradients] + \
        [tape.jacobian(y, x).numpy()]


def test_the_students_walk_answers_every_tape_gradient_as_minicnns_does():
    walks = []
    with use(backward_walk=counting(SOLUTION["backward_walk"], walks)):
        walks.clear()  # the check called it too
        yours = tape_gradients()
    assert recording.backward_pass is registry_own(recording, "backward_pass")
    theirs = tape_gradients()
    assert len(walks) == 3 + 6  # three gradients; the jacobian walks once per element of y
    for a, b in zip(yours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def registry_own(owner, name):
    from minicnn.apps.exercises import registry
    return registry.OWN[(owner, name)]


def test_a_layer_written_with_call_trains_under_fit_through_the_students_walk():
    """Its backward walks a tape of its own: with the student's walk while plugged in."""
    from minicnn import keras

    class Squares(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 3), initializer="random_normal")

        def call(self, inputs):
            h = keras.ops.matmul(inputs, self.w)
            return h * h + h  # h read twice

    def model():
        minicnn.set_seed(7)
        built = Sequential([Squares(), Dense(2, activation="softmax")])
        built.build((4,), np.float64)
        built.compile(SGD(0.1), "sparse_categorical_crossentropy", [])
        return built
    x, y = np.random.default_rng(8).standard_normal((5, 4)), np.array([0, 1, 1, 0, 1])
    walks, ours, theirs = [], model(), model()
    with use(backward_walk=counting(SOLUTION["backward_walk"], walks)):
        walks.clear()
        ours.train_on_batch(x, y)
        ours.train_on_batch(x, y)
    assert len(walks) == 2
    minicnn.set_ops("numpy")
    try:
        theirs.train_on_batch(x, y)
        theirs.train_on_batch(x, y)
    finally:
        minicnn.set_ops("numba")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_set_ops_and_undo_put_minicnns_walk_back():
    own = registry_own(recording, "backward_pass")
    use(backward_walk=SOLUTION["backward_walk"], checked=False)
    assert recording.backward_pass is not own
    minicnn.set_ops("numba")
    assert recording.backward_pass is own
    with use(backward_walk=SOLUTION["backward_walk"], checked=False):
        assert recording.backward_pass is not own
    assert recording.backward_pass is own


def test_the_walks_check_refuses_a_replaced_walk_and_compares_with_minicnns_own_only(capsys):
    """A walk put in minicnn's place by anything but use(): check() refuses; and the check
    itself (called past the refusal) still compares with minicnn's own walk, so a right walk
    passes and a wrong one fails even then."""
    from minicnn.apps.exercises.checks.tape import check_backward_walk
    def nothing(nodes, targets, seeds, sources):
        return [None] * len(sources)
    own, recording.backward_pass = recording.backward_pass, nothing
    try:
        with pytest.raises(RuntimeError, match="recording.backward_pass has been replaced"):
            exercises.check("backward_walk", SOLUTION["backward_walk"])
        check_backward_walk(SOLUTION["backward_walk"])
        with pytest.raises(ExerciseFailed, match="backward_walk is not right yet"):
            check_backward_walk(lambda nodes, target, seed, sources: nothing(nodes, [target],
                                                                             [seed], sources))
    finally:
        recording.backward_pass = own
    assert "backward_walk: correct" in capsys.readouterr().out


def test_the_tape_loop_cell_fails_with_a_sentence_when_training_differs():
    """A walk right on the check's records (5 nodes each) but not on longer ones: it passes
    its check, then the X-ray model's tape loop (9 nodes) ends elsewhere, said in a sentence;
    a walk raising there is said in a sentence too."""
    from minicnn.apps.exercises import tape_trains_like_minicnn

    def backward_walk(nodes, target, seed, sources):
        found = SOLUTION["backward_walk"](nodes, target, seed, sources)
        return [g if g is None or len(nodes) <= 5 else g * 1.5 for g in found]
    with pytest.raises(ExerciseFailed, match=r"^Trained by a tape loop with your walk, the X-ray "
                       r"model ends \d\.\de-\d\d away from minicnn's"):
        tape_trains_like_minicnn(backward_walk, steps=2)

    def raising(nodes, target, seed, sources):
        if len(nodes) > 5:
            raise IndexError("too many nodes")
        return SOLUTION["backward_walk"](nodes, target, seed, sources)
    with pytest.raises(ExerciseFailed, match=r"(?s)^A tape loop training the X-ray model with "
                       r"your walk raised IndexError: too many nodes.*in raising, line \d+"):
        tape_trains_like_minicnn(raising, steps=1)
