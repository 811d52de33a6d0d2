"""Every common mistake, written as a student would write it, gets its own hint; what a
student's code raises or returns is said in their terms. The right answers are the
solutions in the exercise notebooks themselves (read with exercises.answers)."""
import numpy as np
import pytest

from minicnn import exercises
from minicnn.apps.exercises import ExerciseFailed, check
from minicnn.apps.exercises.release import sources

SOLUTION = exercises.answers(*sources())


def verdict(name, function, forward=None):
    """The message of the check's failure (the test fails if the check passes)."""
    with pytest.raises(ExerciseFailed) as failed:
        check(name, function, **({"forward": forward} if forward else {}))
    return str(failed.value)


def pad(x, top, bottom, left, right):
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))


# -- exercises 1 to 3: convolution ---------------------------------------------------------
def conv_loops(x, w, b, stride, pad_top, pad_bottom, flip=False, bias_times=1, windows_at=None):
    """A loop convolution with the knobs the mistakes turn."""
    x = pad(x, pad_top, pad_bottom, pad_top, pad_bottom)
    kh, kw, _, f = w.shape
    w = w[::-1, ::-1] if flip else w
    step = stride if windows_at is None else windows_at
    out_h, out_w = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    out = np.zeros((len(x), out_h, out_w, f))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * step:i * step + kh, j * step:j * step + kw, :]
            out[:, i, j, :] = np.tensordot(window, w, axes=3) + bias_times * b
    return out, None


CONV_FORWARD_MISTAKES = {
    "kernel flipped": lambda x, w, b, s, p: conv_loops(x, w, b, s, p, p, flip=True),
    "stride ignored": lambda x, w, b, s, p: conv_loops(x, w, b, 1, p, p),
    "padding on one side only": lambda x, w, b, s, p: conv_loops(x, w, b, s, p, 0),
    "padding ignored": lambda x, w, b, s, p: conv_loops(x, w, b, s, 0, 0),
    "bias added twice": lambda x, w, b, s, p: conv_loops(x, w, b, s, p, p, bias_times=2),
    "bias missing": lambda x, w, b, s, p: conv_loops(x, w, b, s, p, p, bias_times=0),
}


@pytest.mark.parametrize("title", CONV_FORWARD_MISTAKES)
def test_each_convolution_mistake_gets_its_hint(title):
    message = verdict("conv_forward", CONV_FORWARD_MISTAKES[title])
    assert f"Hint ({title})" in message, message


def test_the_stride_used_for_the_size_but_not_for_the_windows_is_recognised():
    message = verdict("conv_forward_loops",
                      lambda x, w, b, s, p: conv_loops(x, w, b, s, p, p, windows_at=1))
    assert "Hint (stride ignored)" in message and "out[0, 0, 1, 0]" in message, message


def test_a_shape_mismatch_gives_the_formula_with_the_case_numbers():
    message = verdict("conv_forward", CONV_FORWARD_MISTAKES["stride ignored"])
    assert "out has shape (2, 5, 7, 4); expected (2, 3, 4, 4)" in message
    assert "H' = (H + 2*pad - kh) // stride + 1 = (7 + 2*0 - 3) // 2 + 1 = 3" in message


def test_a_wrong_value_is_shown_with_its_index_expected_and_got():
    message = verdict("conv_forward", CONV_FORWARD_MISTAKES["kernel flipped"])
    assert "out[0, 0, 0, 0] is the first wrong element: expected" in message
    assert "of 96 elements are wrong" in message


def test_im2col_rows_in_channel_first_order_are_recognised():
    def channel_first(x, kh, kw, stride):
        cols = SOLUTION["im2col"](x, kh, kw, stride)
        return cols.reshape(-1, kh, kw, x.shape[3]).transpose(0, 3, 1, 2).reshape(cols.shape)
    assert "Hint (row order)" in verdict("im2col", channel_first)


def assign_instead_of_add(cols, x_shape, kh, kw, stride):
    n, h, w, c = x_shape
    out_h, out_w = (h - kh) // stride + 1, (w - kw) // stride + 1
    cols = cols.reshape(n, out_h, out_w, kh, kw, c)
    x = np.zeros(x_shape)
    for i in range(kh):
        for j in range(kw):
            x[:, i:i + stride * out_h:stride, j:j + stride * out_w:stride, :] = \
                cols[:, :, :, i, j, :]
    return x


def test_col2im_with_assignment_is_recognised_where_windows_overlap():
    assert "Hint (= instead of +=)" in verdict("col2im", assign_instead_of_add)


def conv_backward_changing(change):
    def backward(dout, cache):
        x_shape, cols, w, stride, p = cache
        dx, dw, db = SOLUTION["conv_backward"](dout, cache)
        return change(dout, cols, w, dx, dw, db)
    return backward


def dw_of_the_last_image(dout, cols, w, dx, dw, db):
    per_image = len(cols) // len(dout)
    dz = dout.reshape(-1, w.shape[3])
    return dx, (cols[-per_image:].T @ dz[-per_image:]).reshape(w.shape), db


CONV_BACKWARD_MISTAKES = {
    "dW not summed over the batch": dw_of_the_last_image,
    "dW averaged over the batch": lambda dout, cols, w, dx, dw, db: (dx, dw / len(dout), db),
    "dW with a batch axis": lambda dout, cols, w, dx, dw, db: (dx, np.stack([dw] * len(dout)), db),
    "db missing": lambda dout, cols, w, dx, dw, db: (dx, dw, np.zeros_like(db)),
    "db not summed over the batch": lambda dout, cols, w, dx, dw, db: (
        dx, dw, dout.sum(axis=(1, 2))),
}


@pytest.mark.parametrize("title", CONV_BACKWARD_MISTAKES)
def test_each_convolution_backward_mistake_gets_its_hint(title):
    message = verdict("conv_backward", conv_backward_changing(CONV_BACKWARD_MISTAKES[title]),
                      SOLUTION["conv_forward"])
    assert f"Hint ({title})" in message, message
    assert "Your conv_forward is right" in message and "the mistake is in conv_backward" in message


def test_db_returned_as_none_is_said_so():
    message = verdict("conv_backward", conv_backward_changing(
        lambda dout, cols, w, dx, dw, db: (dx, dw, None)), SOLUTION["conv_forward"])
    assert "returned None as db" in message


def test_dx_through_an_assigning_col2im_is_recognised():
    def backward(dout, cache):
        x_shape, cols, w, stride, p = cache
        n, h, width, c = x_shape
        kh, kw, _, f = w.shape
        dcols = dout.reshape(-1, f) @ w.reshape(-1, f).T
        dx = assign_instead_of_add(dcols, (n, h + 2 * p, width + 2 * p, c), kh, kw, stride)
        dx = dx[:, p:p + h, p:p + width, :]
        return (dx,) + SOLUTION["conv_backward"](dout, cache)[1:]
    message = verdict("conv_backward", backward, SOLUTION["conv_forward"])
    assert "Hint (= instead of +=)" in message, message


def test_a_consistent_but_wrong_pair_is_told_from_a_wrong_backward():
    def flipped_forward(x, w, b, stride=1, pad=0):
        return SOLUTION["conv_forward"](x, w[::-1, ::-1], b, stride, pad)

    def its_exact_backward(dout, cache):
        dx, dw, db = SOLUTION["conv_backward"](dout, cache)
        return dx, dw[::-1, ::-1], db
    message = verdict("conv_backward", its_exact_backward, flipped_forward)
    assert "is the exact gradient of your conv_forward" in message, message
    assert "but conv_forward itself is wrong" in message


# -- exercise 4: max-pooling ---------------------------------------------------------------
def pool_forward_keeping_x(x, pool=2, stride=2):
    out, _ = SOLUTION["maxpool_forward"](x, pool, stride)
    return out, (x, pool, stride)


def pool_backward(share):
    """A loop backward that hands each window's gradient to the pixels share() picks."""
    def backward(dout, cache):
        x, pool, stride = cache
        dx = np.zeros(x.shape)
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                window = x[:, i * stride:i * stride + pool, j * stride:j * stride + pool, :]
                dx[:, i * stride:i * stride + pool, j * stride:j * stride + pool, :] += \
                    share(window) * dout[:, i:i + 1, j:j + 1, :]
        return dx
    return backward


POOL_MISTAKES = {
    "gradient to every element of the window": lambda window: np.ones_like(window),
    "gradient to every tied maximum": lambda window: (
        window == window.max(axis=(1, 2), keepdims=True)),
    "gradient shared among tied maxima": lambda window: (
        (window == window.max(axis=(1, 2), keepdims=True))
        / (window == window.max(axis=(1, 2), keepdims=True)).sum(axis=(1, 2), keepdims=True)),
}


@pytest.mark.parametrize("title", POOL_MISTAKES)
def test_each_pooling_backward_mistake_gets_its_hint(title):
    message = verdict("maxpool_backward", pool_backward(POOL_MISTAKES[title]),
                      pool_forward_keeping_x)
    assert f"Hint ({title})" in message, message


def test_pooling_with_assignment_where_windows_overlap_is_recognised():
    def assigning(dout, cache):
        x, pool, stride = cache
        dx = np.zeros(x.shape)
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                window = x[:, i * stride:i * stride + pool, j * stride:j * stride + pool, :]
                flat = window.reshape(len(x), -1, x.shape[3])
                first = np.arange(pool * pool)[None, :, None] == flat.argmax(axis=1)[:, None, :]
                dx[:, i * stride:i * stride + pool, j * stride:j * stride + pool, :] = \
                    first.reshape(window.shape) * dout[:, i:i + 1, j:j + 1, :]
        return dx
    message = verdict("maxpool_backward", assigning, pool_forward_keeping_x)
    assert "Hint (= instead of +=)" in message


def test_pooling_forward_mistakes_get_their_hints():
    def stride_one(x, pool=2, stride=2):
        return SOLUTION["maxpool_forward"](x, pool, 1)

    def average(x, pool=2, stride=2):
        n, h, w, c = x.shape
        out_h, out_w = (h - pool) // stride + 1, (w - pool) // stride + 1
        out = np.array([[x[:, i * stride:i * stride + pool, j * stride:j * stride + pool, :].mean(
            axis=(1, 2)) for j in range(out_w)] for i in range(out_h)]).transpose(2, 0, 1, 3)
        return out, None
    assert "Hint (stride ignored)" in verdict("maxpool_forward", stride_one)
    assert "Hint (average instead of maximum)" in verdict("maxpool_forward", average)


# -- exercise 5: ReLU and Dense ------------------------------------------------------------------
def test_relu_backward_mistakes_get_their_hints():
    forward = SOLUTION["relu_forward"]
    assert "Hint (gradient at zero)" in verdict(
        "relu_backward", lambda dout, x: dout * (x >= 0), forward)
    assert "Hint (gradient passed where x < 0)" in verdict(
        "relu_backward", lambda dout, x: dout.copy(), forward)


def dense_backward_changing(change):
    def backward(dout, cache):
        x, w = cache
        return change(x, w, dout, *SOLUTION["dense_backward"](dout, cache))
    return backward


DENSE_MISTAKES = {
    "dW not summed over the batch": lambda x, w, dout, dx, dw, db: (
        dx, np.outer(x[-1], dout[-1]), db),
    "dW transposed": lambda x, w, dout, dx, dw, db: (dx, dout.T @ x, db),
    "db missing": lambda x, w, dout, dx, dw, db: (dx, dw, 0 * db),
    "db not summed over the batch": lambda x, w, dout, dx, dw, db: (dx, dw, dout.sum(axis=1)),
}


@pytest.mark.parametrize("title", DENSE_MISTAKES)
def test_each_dense_backward_mistake_gets_its_hint(title):
    message = verdict("dense_backward", dense_backward_changing(DENSE_MISTAKES[title]),
                      SOLUTION["dense_forward"])
    assert f"Hint ({title})" in message, message


def test_dense_with_the_bias_added_twice_is_recognised():
    assert "Hint (bias added twice)" in verdict(
        "dense_forward", lambda x, w, b: (x @ w + b + b, (x, w)))


# -- exercise 6: softmax cross-entropy ------------------------------------------------------------
def softmax_loss(logits, y, subtract_max=True, divide_by_n=True, log_of_p=False):
    n = len(logits)
    shifted = logits - logits.max(axis=1, keepdims=True) if subtract_max else logits
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    log_p = np.log(p) if log_of_p else shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    grad = p.copy()
    grad[np.arange(n), y] -= 1
    return -log_p[np.arange(n), y].mean(), grad / n if divide_by_n else grad


def test_softmax_without_subtracting_the_max_is_recognised_by_its_overflow():
    message = verdict("softmax_loss", lambda logits, y: softmax_loss(logits, y, subtract_max=False))
    assert "Hint (softmax without subtracting the max)" in message, message
    assert "(logits near 1000)" in message and "got inf" in message


def test_the_cross_entropy_gradient_not_divided_by_n_is_recognised():
    message = verdict("softmax_loss", lambda logits, y: softmax_loss(logits, y, divide_by_n=False))
    assert "Hint (gradient not divided by N)" in message
    assert "Your dlogits is not the gradient of your loss" in message


def test_the_log_of_an_underflowed_probability_is_recognised():
    message = verdict("softmax_loss", lambda logits, y: softmax_loss(logits, y, log_of_p=True))
    assert "Hint (log of a probability that underflowed)" in message and "got inf" in message


def test_a_summed_loss_with_its_exact_gradient_is_called_consistent():
    def summed(logits, y):
        loss, grad = softmax_loss(logits, y)
        return loss * len(logits), grad * len(logits)
    message = verdict("softmax_loss", summed)
    assert "Hint (loss not averaged)" in message and "is the exact gradient of your loss" in message


# -- exercise 7: dropout ---------------------------------------------------------------------------
def dropout(x, rate, training, rng, scale_in_training=True, at_test=None, dtype=True):
    if not training:
        return (x if at_test is None else at_test(x, rate)), None
    keep = rng.random(x.shape, dtype=x.dtype) >= rate if dtype else rng.random(x.shape) >= rate
    keep = keep.astype(x.dtype)
    mask = keep / (1 - rate) if scale_in_training else keep
    return x * mask, mask


DROPOUT_MISTAKES = {
    "not scaled at training time": dict(scale_in_training=False),
    "scaled at test time": dict(at_test=lambda x, rate: x * (1 - rate)),
    "mask drawn in float64": dict(dtype=False),
}


@pytest.mark.parametrize("title", DROPOUT_MISTAKES)
def test_each_dropout_mistake_gets_its_hint(title):
    message = verdict("dropout_forward", lambda x, rate, training, rng: dropout(
        x, rate, training, rng, **DROPOUT_MISTAKES[title]))
    assert f"Hint ({title})" in message, message


def test_dropout_drawing_at_test_time_is_caught():
    def draws_anyway(x, rate, training, rng):
        mask = (rng.random(x.shape, dtype=x.dtype) >= rate).astype(x.dtype) / (1 - rate)
        return (x * mask, mask) if training else (x, None)
    assert "drew random numbers from rng at test time" in verdict("dropout_forward", draws_anyway)


def test_dropout_backward_without_the_scale_is_recognised():
    def unscaled(dout, mask):
        return dout if mask is None else dout * (mask > 0)
    assert "Hint (gradient not scaled)" in verdict(
        "dropout_backward", unscaled, SOLUTION["dropout_forward"])


# -- exercise 8: optimizers ------------------------------------------------------------------------
def adam(w, dw, m, v, t, learning_rate, beta1, beta2, epsilon, correct=True, t_offset=0):
    t = t + t_offset
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw ** 2
    m_hat, v_hat = (m / (1 - beta1 ** t), v / (1 - beta2 ** t)) if correct else (m, v)
    return w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def test_adam_without_bias_correction_is_recognised():
    message = verdict("adam", lambda *args: adam(*args, correct=False))
    assert "Hint (Adam without bias correction)" in message, message
    assert "(w_new - w)[0, 0] at step t=1 is the first wrong element" in message


def test_adam_counting_from_zero_is_recognised():
    assert "Hint (t counted from 0)" in verdict("adam", lambda *args: adam(*args, t_offset=-1))


def test_adam_in_the_papers_form_passes_as_keras_form_does(capsys):
    assert check("adam", adam) == "paper"  # epsilon after sqrt(v_hat)
    assert "the paper's Adam's" in capsys.readouterr().out
    assert check("adam", SOLUTION["adam"]) == "keras"
    assert "(Keras's form" in capsys.readouterr().out


def test_sgd_without_momentum_is_recognised_and_pytorchs_velocity_passes(capsys):
    assert "Hint (momentum ignored)" in verdict(
        "sgd_momentum", lambda w, dw, v, lr, momentum: (w - lr * dw, v))

    def pytorch_form(w, dw, v, lr, momentum):
        v = momentum * v + dw
        return w - lr * v, v
    check("sgd_momentum", pytorch_form)
    assert "sgd_momentum: correct" in capsys.readouterr().out


# -- exercise 9: the step and the loop ---------------------------------------------------------
def step(model, x, y, training=True, fused=True, update=True):
    out = x
    for layer in model.layers:
        out = layer.forward(out, training=training)
    loss = model.loss.forward(model.layers[-1].pre_activation(), y)
    last = model.layers[-1]
    grad = (last.backward_from_pre_activation if fused else last.backward)(model.loss.backward())
    for layer in reversed(model.layers[:-1]):
        grad = layer.backward(grad)
    if update:
        model.optimizer.apply_gradients(model.parameters())
    return loss, out


@pytest.mark.parametrize("title, knobs", [("dropout off", dict(training=False)),
                                          ("softmax applied twice", dict(fused=False)),
                                          ("no update", dict(update=False))])
def test_each_training_step_mistake_gets_its_hint(title, knobs):
    message = verdict("train_step", lambda model, x, y: step(model, x, y, **knobs))
    assert f"Hint ({title})" in message, message


def loop(model, x, y, epochs, batch_size, rng, step, shuffle=True, drop_last=False, apart=False):
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
        labels = y[rng.permutation(len(x))] if apart else y[order]
        end = len(x) - len(x) % batch_size if drop_last else len(x)
        losses.append(np.mean([step(model, x[order][i:i + batch_size], labels[i:i + batch_size])[0]
                               for i in range(0, end, batch_size)]))
    return losses


@pytest.mark.parametrize("knobs, said", [
    (dict(shuffle=False), "came in their original order"),
    (dict(drop_last=True), "the last 2 samples of every epoch were left out"),
    (dict(apart=True), "x and y were shuffled apart")])
def test_each_training_loop_mistake_is_said(knobs, said):
    message = verdict("train", lambda *args: loop(*args, **knobs))
    assert said in message, message


# -- the student's code, in the student's terms -----------------------------------------------
def test_a_stub_says_it_is_not_written_yet():
    def stub(x, w, b, stride=1, pad=0):
        raise NotImplementedError()
    assert verdict("conv_forward", stub) == ("conv_forward is not written yet: it raised "
                                             "NotImplementedError.\nReplace `raise "
                                             "NotImplementedError()` with your code.")


def test_a_stub_called_by_a_written_function_is_named():
    def im2col(x, kh, kw, stride):
        raise NotImplementedError()

    def conv_forward(x, w, b, stride=1, pad=0):
        return im2col(x, 3, 3, stride) @ w.reshape(-1, w.shape[3]), None
    assert verdict("conv_forward", conv_forward).startswith(
        "im2col is not written yet (your conv_forward calls it)")


def test_an_error_in_the_students_code_names_the_call_the_error_and_their_line():
    def conv_forward(x, w, b, stride=1, pad=0):
        out = x.reshape(len(x), -1) @ w  # a shape error, raised inside NumPy
        return out, None
    message = verdict("conv_forward", conv_forward)
    assert message.startswith("conv_forward(x, w, b, stride=1, pad=0) with x of shape (2, 5, 6, 3)")
    assert "raised ValueError: matmul" in message
    assert "out = x.reshape(len(x), -1) @ w  # a shape error" in message
    assert "numpy" not in message.split("raised")[1].split(":", 2)[2], message  # no NumPy frame


def test_changing_an_input_in_place_is_said():
    def relu_forward(x):
        x[x < 0] = 0
        return x, x
    assert "relu_forward changed its argument `x` in place" in verdict("relu_forward", relu_forward)


def test_a_missing_return_and_a_wrong_count_are_said():
    assert "returned None: is `return out, cache` missing?" in verdict(
        "conv_forward", lambda x, w, b, stride=1, pad=0: None)
    assert "returned one ndarray; it must return 2 things: out, cache" in verdict(
        "conv_forward", lambda x, w, b, stride=1, pad=0: x)


def test_a_backward_check_without_its_forward_says_what_it_needs():
    with pytest.raises(TypeError, match="needs forward=your conv_forward"):
        check("conv_backward", SOLUTION["conv_backward"])


# -- every other hint the checks give, each from a wrong solution ------------------------------
def relu_backward_times_output(dout, x):
    return dout * np.maximum(x, 0)


def maxpool_last_tied(dout, cache):
    x, pool, stride = cache
    dx = np.zeros(x.shape)
    for i in range(dout.shape[1]):
        for j in range(dout.shape[2]):
            window = x[:, i * stride:i * stride + pool, j * stride:j * stride + pool, :]
            flat = window.reshape(len(x), -1, x.shape[3])[:, ::-1]
            last = pool * pool - 1 - flat.argmax(axis=1)
            pick = np.arange(pool * pool)[None, :, None] == last[:, None, :]
            dx[:, i * stride:i * stride + pool, j * stride:j * stride + pool, :] += \
                pick.reshape(window.shape) * dout[:, i:i + 1, j:j + 1, :]
    return dx


def conv_backward_unpadded_wrong(keep_padding):
    def backward(dout, cache):
        x_shape, cols, w, stride, p = cache
        n, h, width, c = x_shape
        kh, kw, _, f = w.shape
        dcols = dout.reshape(-1, f) @ w.reshape(-1, f).T
        dx = SOLUTION["col2im"](dcols, (n, h + 2 * p, width + 2 * p, c), kh, kw, stride)
        dx = dx if keep_padding else dx[:, p:-p, p:-p, :]
        return (dx,) + SOLUTION["conv_backward"](dout, cache)[1:]
    return backward


def adam_variant(square=True, swap=False):
    def update(w, dw, m, v, t, learning_rate, beta1, beta2, epsilon):
        beta1, beta2 = (beta2, beta1) if swap else (beta1, beta2)
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * (dw ** 2 if square else dw)
        step = learning_rate * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
        return w - step * m / (np.sqrt(v) + epsilon), m, v
    return update


def one_loss_per_step(model, x, y, epochs, batch_size, rng, step):
    return [step(model, x[order][i:i + batch_size], y[order][i:i + batch_size])[0]
            for order in (rng.permutation(len(x)) for _ in range(epochs))
            for i in range(0, len(x), batch_size)]


def same_order_every_epoch(model, x, y, epochs, batch_size, rng, step):
    return loop(model, x, y, epochs, batch_size, np.random.default_rng(0), step) if epochs == 1 \
        else [loop(model, x, y, 1, batch_size, np.random.default_rng(0), step)[0]
              for _ in range(epochs)]


def returns_logits(model, x, y):
    loss, _ = step(model, x, y)
    return loss, model.layers[-1].pre_activation()


def loss_of_probabilities(model, x, y):
    out = x
    for layer in model.layers:
        out = layer.forward(out, training=True)
    loss = model.loss.forward(out, y)
    grad = model.layers[-1].backward_from_pre_activation(model.loss.backward())
    for layer in reversed(model.layers[:-1]):
        grad = layer.backward(grad)
    model.optimizer.apply_gradients(model.parameters())
    return loss, out


S = SOLUTION
OTHER_HINTS = [
    ("conv_forward", lambda x, w, b, s=1, p=0: S["conv_forward"](
        x, w.transpose(1, 0, 2, 3), b, s, p), None, "kernel rows and columns swapped"),
    ("im2col", lambda x, kh, kw, s: S["im2col"](x, kh, kw, 1), None, "stride ignored"),
    ("conv_backward", conv_backward_unpadded_wrong(keep_padding=True), S["conv_forward"],
     "padding not removed"),
    ("conv_backward", conv_backward_unpadded_wrong(keep_padding=False), S["conv_forward"],
     "empty slice when pad is 0"),
    ("conv_backward", conv_backward_changing(lambda dout, cols, w, dx, dw, db: (
        dx, dw.reshape(-1, w.shape[3]), db)), S["conv_forward"], "dW not reshaped"),
    ("conv_backward", conv_backward_changing(lambda dout, cols, w, dx, dw, db: (
        dx, dw, dout.mean(axis=(0, 1, 2)))), S["conv_forward"], "db averaged"),
    ("conv_backward", conv_backward_changing(lambda dout, cols, w, dx, dw, db: (
        dx, dw, dout.sum(axis=0))), S["conv_forward"], "db not summed over every position"),
    ("maxpool_forward", lambda x, pool=2, stride=2: (S["maxpool_forward"](x, pool, stride)[0].max(
        axis=3), None), None, "channels pooled together"),
    ("maxpool_forward", lambda x, pool=2, stride=2: S["maxpool_forward"](x, pool, pool), None,
     "stride taken to be the pool size"),
    ("maxpool_backward", maxpool_last_tied, pool_forward_keeping_x,
     "gradient to the last tied maximum"),
    ("relu_forward", lambda x: (np.minimum(x, 0), x), None, "minimum instead of maximum"),
    ("relu_backward", relu_backward_times_output, S["relu_forward"], "multiplied by the output"),
    ("dense_backward", dense_backward_changing(lambda x, w, dout, dx, dw, db: (dx.T, dw, db)),
     S["dense_forward"], "dx transposed"),
    ("dense_backward", dense_backward_changing(lambda x, w, dout, dx, dw, db: (
        dx, dw / len(x), db)), S["dense_forward"], "dW averaged over the batch"),
    ("dense_backward", dense_backward_changing(lambda x, w, dout, dx, dw, db: (
        dx, np.einsum("nd,nf->ndf", x, dout), db)), S["dense_forward"], "dW with a batch axis"),
    ("dense_backward", dense_backward_changing(lambda x, w, dout, dx, dw, db: (
        dx, dw, dout.mean(axis=0))), S["dense_forward"], "db averaged"),
    ("dense_forward", lambda x, w, b: (x @ w, (x, w)), None, "bias missing"),
    ("softmax_loss", lambda logits, y: (S["softmax_loss"](logits, y)[0],
                                        -S["softmax_loss"](logits, y)[1]),
     None, "gradient of the wrong sign"),
    ("softmax_loss", lambda logits, y: (S["softmax_loss"](logits, y)[0], np.exp(
        logits - logits.max(1, keepdims=True)) / np.exp(logits - logits.max(1, keepdims=True)).sum(
        1, keepdims=True) / len(logits)), None, "one-hot not subtracted"),
    ("dropout_forward", lambda x, rate, training, rng: dropout(
        x, rate, training, rng, at_test=lambda x, rate: x * (rng.random(x.shape, dtype=x.dtype)
                                                             >= rate)),
     None, "dropped at test time"),
    ("dropout_forward", lambda x, rate, training, rng: (
        (x * (rng.random(x.shape, dtype=x.dtype) >= rate) * (1 - rate), None) if training
        else (x, None)), None, "scaled by 1 - rate"),
    ("dropout_forward", lambda x, rate, training, rng: (
        (x * (rng.random(x.shape, dtype=x.dtype) < rate) / (1 - rate), None) if training
        else (x, None)), None, "rate taken as the keep probability"),
    ("dropout_backward", lambda dout, mask: dout.copy(), S["dropout_forward"], "mask ignored"),
    ("sgd_momentum", lambda w, dw, v, lr, momentum: (w - (momentum * v - lr * dw),
                                                     momentum * v - lr * dw),
     None, "step uphill"),
    ("adam", adam_variant(square=False), None, "v of the gradient, not of its square"),
    ("adam", adam_variant(swap=True), None, "beta1 and beta2 swapped"),
    ("train_step", returns_logits, None, "out is not the output"),
    ("train_step", loss_of_probabilities, None, "loss of the probabilities"),
]


@pytest.mark.parametrize("name, wrong, forward, title", OTHER_HINTS,
                         ids=[f"{name}: {title}" for name, _, _, title in OTHER_HINTS])
def test_every_other_hint_is_given_for_its_mistake(name, wrong, forward, title):
    message = verdict(name, wrong, forward)
    assert f"Hint ({title})" in message, message


@pytest.mark.parametrize("wrong, said", [
    (one_loss_per_step, "one per step: return one per epoch"),
    (same_order_every_epoch, "every epoch had the same order")])
def test_the_other_training_loop_mistakes_are_said(wrong, said):
    assert said in verdict("train", wrong)


# -- issue 31: near misses fail, both ways right, the right function blamed ------------------
def changed(function, change, at=0):
    """``function`` with what it returns at position ``at`` (of a tuple) changed; a list
    (backward_walk's gradients) has each of its arrays changed."""
    def wrapped(*args, **kwargs):
        result = function(*args, **kwargs)
        if isinstance(result, list):
            return [None if item is None else change(item) for item in result]
        if not isinstance(result, tuple):
            return change(result)
        return result[:at] + (change(result[at]),) + result[at + 1:]
    return wrapped


def forward_of(name):
    return SOLUTION[name.replace("backward", "forward")] if name.endswith("backward") else None


# every check with a float64 answer held to rounding (the training loop's is its own)
NEAR = [name for name in exercises.CHECKS if name not in ("train",)]


@pytest.mark.parametrize("name", NEAR)
def test_an_answer_off_by_a_thousandth_fails(name):
    """1 + 1e-3 times the right answer: far more than rounding, and not passed."""
    message = verdict(name, changed(SOLUTION[name], lambda a: a * (1 + 1e-3)), forward_of(name))
    assert "is not right yet" in message and "expected" in message, message


@pytest.mark.parametrize("name", [n for n in NEAR if n != "train_step"])
def test_an_answer_of_the_wrong_dtype_fails(name):
    """float64 from float32 inputs: each check has a float32 case, and says so."""
    message = verdict(name, changed(SOLUTION[name], lambda a: np.asarray(a, np.float64),
                                    at=1 if name == "softmax_loss" else 0), forward_of(name))
    assert "of dtype float64; its inputs are float32" in message, message
    assert "Hint (float64 from float32)" in message


@pytest.mark.parametrize("name", ["relu_forward", "conv_forward", "softmax_loss", "adam",
                                  "dense_backward", "backward_walk"])
def test_a_complex_answer_fails_instead_of_being_cast(name):
    message = verdict(name, changed(SOLUTION[name], lambda a: a + 3j), forward_of(name))
    assert "of complex dtype (complex128)" in message, message


def test_relu_plus_3j_fails():
    assert "of complex dtype" in verdict("relu_forward", lambda x: (np.maximum(x, 0) + 3j, x))


def adam_form_of(inside=False, bias=1.0, keras=False, sqrt_of_numpy=False):
    """Adam written as a student would: the paper's form or Keras's, with a knob per
    mistake (epsilon inside the root, the bias correction off by a factor, the step
    size a float64 NumPy number)."""
    def update(w, dw, m, v, t, learning_rate, beta1, beta2, epsilon):
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * dw ** 2
        if keras:
            root = np.sqrt(1 - beta2 ** t) if sqrt_of_numpy else (1 - beta2 ** t) ** 0.5
            size = learning_rate * root / (1 - beta1 ** t) * bias
            return w - size * m / (np.sqrt(v + epsilon) if inside else np.sqrt(v) + epsilon), m, v
        m_hat, v_hat = m / (1 - beta1 ** t) * bias, v / (1 - beta2 ** t)
        return w - learning_rate * m_hat / (np.sqrt(v_hat + epsilon) if inside
                                            else np.sqrt(v_hat) + epsilon), m, v
    return update


@pytest.mark.parametrize("keras", [False, True])
def test_adam_with_epsilon_inside_the_root_fails_in_either_form(keras):
    message = verdict("adam", adam_form_of(inside=True, keras=keras))
    assert "Hint (epsilon inside the square root)" in message, message


@pytest.mark.parametrize("keras", [False, True])
def test_adam_with_a_bias_correction_five_per_cent_off_fails(keras):
    assert "adam is not right yet" in verdict("adam", adam_form_of(bias=1.05, keras=keras))


def test_adam_whose_step_size_is_a_float64_numpy_number_fails_in_float32():
    message = verdict("adam", adam_form_of(keras=True, sqrt_of_numpy=True))
    assert "returned w of dtype float64; its inputs are float32" in message
    assert "np.sqrt(1 - beta2**t) is a float64" in message


def test_both_forms_of_adam_pass(capsys):
    assert check("adam", adam_form_of(keras=True)) == "keras"
    assert check("adam", adam_form_of()) == "paper"


def last_batch_loss(model, x, y, epochs, batch_size, rng, step):
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(x), batch_size):
            loss, _ = step(model, x[order[i:i + batch_size]], y[order[i:i + batch_size]])
        losses.append(loss)
    return losses


def test_the_training_loops_losses_off_by_a_thousandth_fail():
    message = verdict("train", changed(SOLUTION["train"], lambda a: np.asarray(a) * (1 + 1e-3)))
    assert "the mean loss of each epoch's steps is" in message, message


def test_the_last_batchs_loss_instead_of_the_epochs_mean_fails():
    message = verdict("train", last_batch_loss)
    assert "the loss of each epoch's last step" in message, message


def im2col_stacked(x, kh, kw, stride):
    n, h, w, c = x.shape
    out_h, out_w = (h - kh) // stride + 1, (w - kw) // stride + 1
    slices = [x[:, i:i + stride * out_h:stride, j:j + stride * out_w:stride, :]
              for i in range(kh) for j in range(kw)]
    return np.stack(slices).reshape(n * out_h * out_w, kh * kw * c)


def im2col_column_by_column(x, kh, kw, stride):
    n, h, w, c = x.shape
    out_h, out_w = (h - kh) // stride + 1, (w - kw) // stride + 1
    return np.array([x[m, i * stride:i * stride + kh, j * stride:j * stride + kw, :].ravel()
                     for m in range(n) for j in range(out_w) for i in range(out_h)])


@pytest.mark.parametrize("wrong, title", [(im2col_stacked, "slices stacked, then reshaped"),
                                          (im2col_column_by_column, "windows in column order")])
def test_im2col_with_the_wrong_layout_gets_its_hint(wrong, title):
    assert f"Hint ({title})" in verdict("im2col", wrong)


def conv_with_matrix(matrix):
    """conv_forward as im2col @ a weight matrix made from w by ``matrix``."""
    def conv_forward(x, w, b, stride=1, pad=0):
        n, h, width, c = x.shape
        kh, kw, _, f = w.shape
        cols = SOLUTION["im2col"](pad_all(x, pad), kh, kw, stride)
        out_h, out_w = (h + 2 * pad - kh) // stride + 1, (width + 2 * pad - kw) // stride + 1
        return (cols @ matrix(w) + b).reshape(n, out_h, out_w, f), None
    return conv_forward


def pad_all(x, p):
    return pad(x, p, p, p, p)


@pytest.mark.parametrize("matrix", [lambda w: w.T.reshape(-1, w.shape[3]),
                                    lambda w: w.reshape(w.shape[3], -1).T])
def test_a_weight_matrix_reshaped_from_w_transposed_gets_its_hint(matrix):
    assert "Hint (kernel reshaped from w.T)" in verdict("conv_forward", conv_with_matrix(matrix))


def test_dx_through_w_transposed_then_reshaped_gets_its_hint():
    def backward(dout, cache):
        x_shape, cols, w, stride, p = cache
        n, h, width, c = x_shape
        kh, kw, _, f = w.shape
        dcols = dout.reshape(-1, f) @ w.T.reshape(f, -1)
        dx = SOLUTION["col2im"](dcols, (n, h + 2 * p, width + 2 * p, c), kh, kw, stride)
        return (dx[:, p:p + h, p:p + width, :],) + SOLUTION["conv_backward"](dout, cache)[1:]
    message = verdict("conv_backward", backward, SOLUTION["conv_forward"])
    assert "Hint (w.T reshaped instead of w)" in message, message


def test_max_pooling_that_ignores_the_stride_gets_its_hint_forward_and_backward():
    def forward(x, pool=2, stride=2):
        n, h, w, c = x.shape
        out_h, out_w = (h - pool) // stride + 1, (w - pool) // stride + 1
        out = np.array([[x[:, i:i + pool, j:j + pool, :].max(axis=(1, 2)) for j in range(out_w)]
                        for i in range(out_h)]).transpose(2, 0, 1, 3)
        return out, (x, pool, stride)

    def backward(dout, cache):  # windows at (i, j), not (i * stride, j * stride)
        x, pool, stride = cache
        dx = np.zeros(x.shape, dtype=dout.dtype)
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                window = x[:, i:i + pool, j:j + pool, :]
                flat = window.reshape(len(x), -1, x.shape[3])
                first = np.arange(pool * pool)[None, :, None] == flat.argmax(axis=1)[:, None, :]
                dx[:, i:i + pool, j:j + pool, :] += first.reshape(window.shape) * dout[:, i:i + 1,
                                                                                       j:j + 1, :]
        return dx
    assert "Hint (stride ignored)" in verdict("maxpool_forward", forward)
    message = verdict("maxpool_backward", backward, pool_forward_keeping_x)
    assert "Hint (stride ignored)" in message, message


def maxpool_forward_recording_the_last_tie(x, pool=2, stride=2):
    """Right output; its cache records the last maximum of a tied window (>=)."""
    n, h, w, c = x.shape
    out_h, out_w = (h - pool) // stride + 1, (w - pool) // stride + 1
    out = np.full((n, out_h, out_w, c), -np.inf, dtype=x.dtype)
    where = np.zeros(out.shape, dtype=int)
    for di in range(pool):
        for dj in range(pool):
            candidate = x[:, di:di + stride * out_h:stride, dj:dj + stride * out_w:stride, :]
            better = candidate >= out
            out, where = np.where(better, candidate, out), np.where(better, di * pool + dj, where)
    return out, (x.shape, where, pool, stride)


def test_a_forward_recording_the_last_tie_passes_its_check_and_is_blamed_by_the_backwards():
    check("maxpool_forward", maxpool_forward_recording_the_last_tie)  # out is right
    message = verdict("maxpool_backward", SOLUTION["maxpool_backward"],
                      maxpool_forward_recording_the_last_tie)
    assert "Hint (gradient to the last tied maximum)" in message
    assert "The mistake is in your maxpool_forward" in message, message
    assert "the mistake is in maxpool_backward" not in message


def test_a_backward_picking_the_last_tie_from_x_is_blamed_itself():
    message = verdict("maxpool_backward", maxpool_last_tied, pool_forward_keeping_x)
    assert "the mistake is in maxpool_backward" in message, message


def softmax_loss_with(axis_of_softmax=1, axis_of_max=1, mean_over_classes=False):
    def softmax_loss(logits, y):
        n, k = logits.shape
        shifted = logits - logits.max(axis=axis_of_max, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=axis_of_softmax, keepdims=True)
        onehot = np.eye(k, dtype=logits.dtype)[y]
        if mean_over_classes:
            return -(onehot * np.log(p)).mean(), (p - onehot) / (n * k)
        return -np.log(p[np.arange(n), y]).mean(), (p - onehot) / n
    return softmax_loss


@pytest.mark.parametrize("knobs, title", [
    (dict(axis_of_softmax=0, axis_of_max=0), "softmax over axis 0"),
    (dict(axis_of_max=0), "maximum over axis 0"),
    (dict(mean_over_classes=True), "averaged over the classes too")])
def test_softmax_axis_and_averaging_mistakes_get_their_hints(knobs, title):
    message = verdict("softmax_loss", softmax_loss_with(**knobs))
    assert f"Hint ({title})" in message, message


def test_one_dropout_mask_for_every_sample_gets_its_hint():
    def shared(x, rate, training, rng):
        if not training:
            return x, None
        mask = (rng.random(x.shape[1:], dtype=x.dtype) >= rate).astype(x.dtype) / (1 - rate)
        return x * mask, mask
    assert "Hint (one mask for every sample)" in verdict("dropout_forward", shared)


def test_gradients_accumulated_across_steps_get_their_hint():
    sums = {}

    def accumulating(model, x, y, store=sums):
        out = x
        for layer in model.layers:
            out = layer.forward(out, training=True)
        loss = model.loss.forward(model.layers[-1].pre_activation(), y)
        grad = model.layers[-1].backward_from_pre_activation(model.loss.backward())
        for layer in reversed(model.layers[:-1]):
            grad = layer.backward(grad)
        for key, _, g in model.parameters():  # a store of gradients never reset
            store[key] = store.get(key, 0) + g
            g[...] = store[key]
        model.optimizer.apply_gradients(model.parameters())
        return loss, out
    message = verdict("train_step", accumulating)
    assert "After step 2" in message and "Hint (gradients accumulated across steps)" in message


def test_a_flipped_kernel_gets_its_own_hint_and_no_other():
    message = verdict("conv_forward", CONV_FORWARD_MISTAKES["kernel flipped"])
    assert message.count("Hint (") == 1 and "Hint (kernel flipped)" in message, message


def test_a_shape_mistake_gets_its_hint_and_no_other():
    message = verdict("conv_forward", CONV_FORWARD_MISTAKES["stride ignored"])
    assert message.count("Hint (") == 1 and "Hint (stride ignored)" in message, message


# -- the time limit ------------------------------------------------------------------------
def test_a_function_that_never_returns_is_stopped_and_named():
    def relu_forward(x):
        while True:
            try:
                x = x + 0
            except Exception:  # a student's handler does not swallow the time limit
                pass
    message = verdict_with_limit("relu_forward", relu_forward, 0.3)
    assert message.startswith("relu_forward(x) with x of shape (4, 5) did not return within "
                              "the check's time limit (0.3 s)"), message


def verdict_with_limit(name, function, seconds):
    with pytest.raises(ExerciseFailed) as failed:
        check(name, function, time_limit=seconds)
    return str(failed.value)


def test_the_named_function_is_the_one_given_to_use():
    """The timing cell plugs conv_forward_loops in as conv_forward: a failure names it."""
    def conv_forward_loops(x, w, b, stride=1, pad=0):
        return CONV_FORWARD_MISTAKES["kernel flipped"](x, w, b, stride, pad)
    with pytest.raises(ExerciseFailed) as failed:
        exercises.use(conv_forward=conv_forward_loops)
    message = str(failed.value)
    assert message.startswith("use: your conv_forward_loops does not pass its check yet")
    assert "conv_forward_loops is not right yet" in message


# -- the grading's hidden tests: the student's own work ---------------------------------------
def test_own_work_refuses_minicnns_code_by_name_and_passes_the_solutions(capsys):
    import minicnn
    from minicnn.ops import reference
    from minicnn.ops.reference import conv2d_forward

    def through_the_package(x, w, b, stride=1, pad=0):
        return minicnn.ops.reference.conv2d_forward(x, w, b, (stride,) * 2, (pad,) * 4)

    def through_a_module(x, w, b, stride=1, pad=0):
        return reference.conv2d_forward(x, w, b, (stride,) * 2, (pad,) * 4)

    def through_a_helper(x, w, b, stride=1, pad=0):  # the student's helper calls it
        return imported(x, w, b, stride, pad)

    def imported(x, w, b, stride, pad):
        return conv2d_forward(x, w, b, (stride,) * 2, (pad,) * 4)
    for wrong in (through_the_package, through_a_module, through_a_helper):
        wrong.__module__ = imported.__module__ = "__main__"
        check("conv_forward", wrong)  # the numbers are right: the check passes
        with pytest.raises(ExerciseFailed, match="uses minicnn's own code"):
            exercises.own_work("conv_forward", wrong)

    def whole_step(model, x, y):
        return model.train_step(x, y)
    with pytest.raises(ExerciseFailed, match=r"calls the model's \.train_step"):
        exercises.own_work("train_step", whole_step)
    for name in exercises.CHECKS:
        exercises.own_work(name, SOLUTION[name])
    assert "train_step: your own work" in capsys.readouterr().out


# -- exercise 10: the tape's backward walk ---------------------------------------------------
def walk(nodes, target, seed, sources, order="reversed", add="sum", start="seed", none="skip",
         key=id):
    """A backward walk as a student writes it, with a knob per mistake: ``order`` "recorded"
    (the nodes in the order they ran); ``add`` "assign" (grads[k] = g) or "first" (only the
    first gradient kept) or "in place" (grads[k] += g); ``start`` "ones" or "nothing";
    ``none`` "zeros" (None as zeros, and zeros for a source without a path) or "add"
    (None added like a gradient, to grads.get(k, 0)); ``key`` what keys the dict (the
    tensor itself). ``add`` "get" is right: grads[k] = grads.get(k, 0) + g."""
    grads = {} if start == "nothing" else {
        key(target): np.ones_like(seed) if start == "ones" else seed}
    for node in (nodes if order == "recorded" else reversed(nodes)):
        grad = grads.get(key(node.output))
        if grad is None:
            continue
        wanted = [True] * len(node.inputs)
        for x, grad_x in zip(node.inputs, node.backward(grad, wanted)):
            if grad_x is None and none == "zeros":
                grad_x = np.zeros(np.shape(x), np.asarray(seed).dtype)
            elif grad_x is None and none == "skip":
                continue
            k = key(x)
            if none == "add" or add == "get":  # 0 + None fails
                grads[k] = grads.get(k, 0) + grad_x
            elif k not in grads or add == "assign":
                grads[k] = grad_x
            elif add == "in place":
                grads[k] += grad_x
            elif add == "sum":
                grads[k] = grads[k] + grad_x
    if none == "zeros":
        return [grads.get(key(s), np.zeros(np.shape(s), np.asarray(seed).dtype)) for s in sources]
    return [grads.get(key(s)) for s in sources]


def walk_with(**knobs):
    def backward_walk(nodes, target, seed, sources):
        return walk(nodes, target, seed, sources, **knobs)
    return backward_walk


WALK_MISTAKES = [
    (dict(add="assign"), "= instead of +="),
    (dict(add="first"), "= instead of +="),
    (dict(order="recorded"), "walked in the order recorded"),
    (dict(start="ones"), "seed forgotten"),
    (dict(start="nothing"), "seed forgotten"),
    (dict(none="zeros"), "a gradient where there is none"),
    (dict(none="add"), "None from a backward"),
    (dict(add="in place"), "a gradient changed in place"),
    (dict(key=lambda tensor: tensor), "tensors as keys"),
]


@pytest.mark.parametrize("knobs, title", WALK_MISTAKES, ids=[f"{t}-{i}" for i, (_, t) in
                                                             enumerate(WALK_MISTAKES)])
def test_each_backward_walk_mistake_gets_its_hint(knobs, title):
    message = verdict("backward_walk", walk_with(**knobs))
    assert f"Hint ({title})" in message, message
    hinted = [line for line in message.splitlines() if line.startswith("Hint (")]
    assert len(hinted) == 1, message  # that hint only


def test_the_right_walks_pass_whatever_they_want():
    """Wanting every input, or only those that lead to a source (the solution)."""
    check("backward_walk", walk_with())
    check("backward_walk", walk_with(add="get"))
    check("backward_walk", SOLUTION["backward_walk"])


def test_a_walk_that_does_not_skip_a_node_without_gradient_is_told_where_and_why():
    def backward_walk(nodes, target, seed, sources, forward=False):
        grads = {id(target): seed}
        for node in (nodes if forward else reversed(nodes)):
            grad = grads.get(id(node.output))
            for x, grad_x in zip(node.inputs, node.backward(grad, [True] * len(node.inputs))):
                if grad_x is not None:
                    grads[id(x)] = grads[id(x)] + grad_x if id(x) in grads else grad_x
        return [grads.get(id(s)) for s in sources]
    message = verdict("backward_walk", backward_walk)
    assert "node 2 (multiply)'s backward was called with grad None" in message, message
    assert "unused = y * v             # node 2: the target does not use it" in message
    assert "line" in message and "node.backward(grad, [True] * len(node.inputs))" in message
    assert "reversed(nodes)" not in message  # it did walk in reverse
    forward = verdict("backward_walk", lambda *args: backward_walk(*args, forward=True))
    assert "node 0 (multiply)'s backward was called with grad None" in forward
    assert "walk from the last node recorded to the first, reversed(nodes)" in forward


def test_a_walk_that_reverses_the_tapes_record_is_told_so():
    def backward_walk(nodes, target, seed, sources):
        nodes.reverse()
        return walk(nodes[::-1], target, seed, sources)
    assert "backward_walk changed its argument `nodes` in place" in verdict("backward_walk",
                                                                          backward_walk)


def test_a_walk_reading_a_missing_gradient_with_brackets_gets_its_hint():
    def backward_walk(nodes, target, seed, sources):
        grads = walk(nodes, target, seed, list(sources))
        table = {id(s): g for s, g in zip(sources, grads) if g is not None}
        return [table[id(s)] for s in sources]
    message = verdict("backward_walk", backward_walk)
    assert "raised KeyError" in message and "Hint (no gradient)" in message, message
    assert "(what gets no gradient: where nodes is the record of" in message


def test_a_walk_comparing_tensors_with_in_gets_its_hint():
    def backward_walk(nodes, target, seed, sources):
        found = walk(nodes, target, seed, sources)
        return [g if s in sources[:-1] or s is sources[-1] else None
                for s, g in zip(sources, found)]
    assert "Hint (== on tensors)" in verdict("backward_walk", backward_walk)


def test_a_walk_summing_into_float64_zeros_fails_in_float32():
    def backward_walk(nodes, target, seed, sources):
        found = walk(nodes, target, seed, sources)
        return [None if g is None else np.zeros(np.shape(g)) + g for g in found]
    message = verdict("backward_walk", backward_walk)
    assert "returned dx of dtype float64; its inputs are float32" in message, message


def test_a_walk_that_never_ends_is_stopped():
    def backward_walk(nodes, target, seed, sources):
        while True:
            pass
    message = verdict_with_limit("backward_walk", backward_walk, 0.3)
    assert message.startswith("backward_walk(nodes, target, seed, sources) with seed of shape () "
                              "did not return within the check's time limit"), message


def test_the_walks_cases_number_their_nodes_as_the_tape_records_them():
    """The hints name nodes by index: each case's code says which line made which node."""
    from minicnn.apps.exercises.checks.tape import CASES
    for build in CASES:
        case = build()
        numbered = [line for line in case.program if "# node" in line]
        assert [int(line.split("# node ")[1].split(":")[0].split(" ")[0]) for line in numbered] \
            == list(range(len(case.nodes)))


def test_a_walk_changing_a_layers_gradient_in_place_fails_though_its_numbers_are_right():
    """+= on a variable's gradient: the sums come out right, but the array it added into
    is the one the layer's node returned (the layer's grads entry)."""
    def backward_walk(nodes, target, seed, sources):
        grads = {id(target): seed}
        for node in reversed(nodes):
            grad = grads.get(id(node.output))
            if grad is None:
                continue
            for x, grad_x in zip(node.inputs, node.backward(grad, [True] * len(node.inputs))):
                if grad_x is None:
                    continue
                if id(x) not in grads:
                    grads[id(x)] = grad_x
                elif hasattr(x, "assign"):  # a variable: its own array, surely
                    grads[id(x)] += grad_x
                else:
                    grads[id(x)] = grads[id(x)] + grad_x
        return [grads.get(id(s)) for s in sources]
    message = verdict("backward_walk", backward_walk)
    assert "every gradient is right, but:" in message, message
    assert "Hint (a gradient changed in place): your walk changed, in place, the array node 3 " \
        "(second)'s backward returned for its input 1 (second.kernel)" in message, message
