"""minicnn in one file: a convolutional network from scratch in NumPy. Start reading here.

Everything the X-ray lesson's model needs, and nothing else: convolution as
im2col + one matrix product, ReLU, max-pooling, dropout, flatten, a dense layer,
softmax cross-entropy, a Sequential container and SGD. Each layer is a
forward/backward pair: forward keeps what backward needs; backward takes
dL/d(output), stores the gradients of its parameters and returns dL/d(input).

    python -m minicnn.tiny     # trains the lesson's X-ray model on the bundled sample

Tensors are NHWC (batch, height, width, channels), as in Keras; a kernel W is
(kh, kw, C, F). The network is NumPy alone; Pillow only reads the images
(load_folder). The full framework (minicnn.layers, minicnn.Sequential) computes
the same numbers (tests/test_tiny.py checks it) and adds what this file leaves
out: 'same' padding, other activations and losses, Adam, a data loader with
augmentation, saving, gradient checks, and speed.
"""
import os

import numpy as np


# -- im2col: every window of the image as one row of a matrix -----------------------
def im2col(x, kh, kw, stride, out_h, out_w):
    """x (N, H, W, C) -> (N*out_h*out_w, kh*kw*C): row (n, i, j) is the window at (i*s, j*s)."""
    n, _, _, c = x.shape
    cols = np.empty((n, out_h, out_w, kh, kw, c), dtype=x.dtype)
    for di in range(kh):      # one strided slice per kernel offset: kh*kw copies in all
        for dj in range(kw):
            cols[:, :, :, di, dj, :] = x[:, di:di + stride * out_h:stride,
                                         dj:dj + stride * out_w:stride, :]
    return cols.reshape(n * out_h * out_w, kh * kw * c)


def col2im(cols, x_shape, kh, kw, stride, out_h, out_w):
    """The adjoint of im2col: add each row back into the window it came from."""
    n, _, _, c = x_shape
    cols = cols.reshape(n, out_h, out_w, kh, kw, c)
    x = np.zeros(x_shape, dtype=cols.dtype)
    for di in range(kh):
        for dj in range(kw):  # += : with stride < kernel, windows overlap
            x[:, di:di + stride * out_h:stride, dj:dj + stride * out_w:stride, :] += \
                cols[:, :, :, di, dj, :]
    return x


# -- the layers -----------------------------------------------------------------------
class Conv2D:
    """x (N, H, W, C) -> z (N, H', W', F), H' = (H - kh) // stride + 1 ('valid').
    z = im2col(x) @ W.reshape(kh*kw*C, F) + b."""

    def __init__(self, filters, kernel, stride, channels, rng):
        limit = np.sqrt(6 / (kernel * kernel * (channels + filters)))  # Glorot uniform
        self.params = {"W": rng.uniform(-limit, limit, (kernel, kernel, channels, filters)),
                       "b": np.zeros(filters)}
        self.stride, self.grads = stride, {}

    def forward(self, x, training):
        kh, kw, _, f = self.params["W"].shape
        self.x_shape = x.shape
        self.out_h = (x.shape[1] - kh) // self.stride + 1
        self.out_w = (x.shape[2] - kw) // self.stride + 1
        self.cols = im2col(x, kh, kw, self.stride, self.out_h, self.out_w)
        z = self.cols @ self.params["W"].reshape(-1, f) + self.params["b"]
        return z.reshape(len(x), self.out_h, self.out_w, f)

    def backward(self, grad_z):
        kh, kw, _, f = self.params["W"].shape
        grad_z = grad_z.reshape(-1, f)
        self.grads["W"] = (self.cols.T @ grad_z).reshape(self.params["W"].shape)
        self.grads["b"] = grad_z.sum(axis=0)
        grad_cols = grad_z @ self.params["W"].reshape(-1, f).T
        return col2im(grad_cols, self.x_shape, kh, kw, self.stride, self.out_h, self.out_w)


class ReLU:
    """y = max(x, 0); dL/dx = dL/dy where x > 0."""
    params = grads = {}

    def forward(self, x, training):
        self.positive = x > 0
        return x * self.positive

    def backward(self, grad_y):
        return grad_y * self.positive


class MaxPool2D:
    """The maximum of each size x size window (stride = size): (N, H, W, C) -> (N, H//s, W//s, C).
    Backward sends each window's gradient to its maximum (the first one, on ties)."""
    params = grads = {}

    def __init__(self, size=2):
        self.size = size

    def forward(self, x, training):
        s, (n, h, w, c) = self.size, x.shape
        self.x_shape = x.shape
        windows = x[:, :h // s * s, :w // s * s].reshape(n, h // s, s, w // s, s, c)
        windows = windows.transpose(0, 1, 3, 5, 2, 4).reshape(n, h // s, w // s, c, s * s)
        self.argmax = windows.argmax(axis=-1)  # position in the window, row by row
        return np.take_along_axis(windows, self.argmax[..., None], axis=-1)[..., 0]

    def backward(self, grad_y):
        s, (n, h, w, c) = self.size, self.x_shape
        one_hot = self.argmax[..., None] == np.arange(s * s)       # (N, H', W', C, s*s)
        grad = (one_hot * grad_y[..., None]).reshape(n, h // s, w // s, c, s, s)
        grad_x = np.zeros(self.x_shape, dtype=grad_y.dtype)
        grad_x[:, :h // s * s, :w // s * s] = grad.transpose(0, 1, 4, 2, 5, 3).reshape(
            n, h // s * s, w // s * s, c)
        return grad_x


class Dropout:
    """Training: zero each input with probability rate, scale the rest by 1 / (1 - rate)."""
    params = grads = {}

    def __init__(self, rate, rng):
        self.rate, self.rng = rate, rng

    def forward(self, x, training):
        if not training:
            self.mask = 1.0
            return x
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.rate
        self.mask = keep / (1 - self.rate)
        return x * self.mask

    def backward(self, grad_y):
        return grad_y * self.mask


class Flatten:
    params = grads = {}

    def forward(self, x, training):
        self.x_shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, grad_y):
        return grad_y.reshape(self.x_shape)


class Dense:
    """x (N, D) -> z = x @ W + b (N, units)."""

    def __init__(self, inputs, units, rng):
        limit = np.sqrt(6 / (inputs + units))
        self.params = {"W": rng.uniform(-limit, limit, (inputs, units)), "b": np.zeros(units)}
        self.grads = {}

    def forward(self, x, training):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, grad_z):
        self.grads["W"] = self.x.T @ grad_z
        self.grads["b"] = grad_z.sum(axis=0)
        return grad_z @ self.params["W"].T


# -- the loss, the optimizer, the model ---------------------------------------------
def softmax_cross_entropy(logits, labels):
    """Mean of -log softmax(logits)[label], and its gradient (softmax - onehot) / N."""
    shifted = logits - logits.max(axis=1, keepdims=True)  # exp never overflows
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(logits)
    loss = -log_probs[np.arange(n), labels].mean()
    grad = np.exp(log_probs)
    grad[np.arange(n), labels] -= 1
    return loss, grad / n


class SGD:
    """Gradient descent with momentum: v <- momentum * v - learning_rate * dL/dp;  p <- p + v."""

    def __init__(self, learning_rate=0.01, momentum=0.9):
        self.learning_rate, self.momentum, self.velocity = learning_rate, momentum, {}

    def step(self, layers):
        for layer in layers:
            for key, param in layer.params.items():
                v = self.velocity.get((id(layer), key), 0)
                v = self.momentum * v - self.learning_rate * layer.grads[key]
                self.velocity[(id(layer), key)] = v
                param += v


class Sequential:
    def __init__(self, layers, optimizer):
        self.layers, self.optimizer = layers, optimizer

    def forward(self, x, training=False):
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def train_step(self, x, labels):
        """Forward, loss, backward, update: one step of gradient descent. Returns the loss."""
        loss, grad = softmax_cross_entropy(self.forward(x, training=True), labels)
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        self.optimizer.step(self.layers)
        return loss

    def predict(self, x):
        return self.forward(x).argmax(axis=1)


def xray_model(num_classes=3, seed=0, learning_rate=0.005):
    """The lesson's model for 256x256 grayscale X-rays."""
    rng = np.random.default_rng(seed)
    return Sequential([
        Conv2D(5, 5, 3, 1, rng), ReLU(), MaxPool2D(2), Dropout(0.1, rng),   # (84, 84, 5) -> 42
        Conv2D(3, 3, 1, 5, rng), ReLU(), MaxPool2D(2), Dropout(0.2, rng),   # (40, 40, 3) -> 20
        Flatten(), Dense(20 * 20 * 3, num_classes, rng),
    ], SGD(learning_rate))


def load_folder(folder, size=256):
    """(images (N, size, size, 1) in [0, 1], labels (N,), class names) from folder/<class>/*.png."""
    from PIL import Image
    names = sorted(os.listdir(folder))
    images, labels = [], []
    for label, name in enumerate(names):
        for file in sorted(os.listdir(os.path.join(folder, name))):
            image = Image.open(os.path.join(folder, name, file)).convert("L")
            images.append(np.asarray(image.resize((size, size), Image.NEAREST), np.float32))
            labels.append(label)
    return np.stack(images)[..., None] / 255, np.array(labels), names


def main(epochs=10, batch_size=16, seed=0):
    sample = os.path.join(os.path.dirname(os.path.abspath(__file__)), "samples", "covid-xray")
    x, y, names = load_folder(os.path.join(sample, "train"))
    x_test, y_test, _ = load_folder(os.path.join(sample, "test"))
    model, rng = xray_model(len(names), seed), np.random.default_rng(seed)
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        losses = [model.train_step(x[batch], y[batch])
                  for batch in np.array_split(order, max(1, len(x) // batch_size))]
        print(f"epoch {epoch + 1}: loss {np.mean(losses):.4f}, "
              f"training accuracy {np.mean(model.predict(x) == y):.3f}")
    print(f"test accuracy {np.mean(model.predict(x_test) == y_test):.3f} "
          f"({len(x_test)} images: {', '.join(names)})")


if __name__ == "__main__":
    main()
