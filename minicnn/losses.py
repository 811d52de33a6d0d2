"""Softmax cross-entropy, fused so that it is exact and stable for any logits."""
import numpy as np

from minicnn.activations import log_softmax


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits) against the targets.

    logits: (N, K). targets: class indices (N,), or one-hot / probability rows (N, K).
        loss = -mean_n sum_k t[n, k] * log_softmax(logits)[n, k]
    log_softmax subtracts the row maximum first, so logits of size 1e4 stay finite.
    backward() -> dL/dlogits = (softmax(logits) * sum_k t[n, k] - t) / N,
    which is (p - onehot) / N for one-hot rows: the p(1 - p) chain never appears.
    """

    name = "softmax_cross_entropy"
    # The activation this loss absorbs: when the model's last layer ends in a
    # softmax, the model passes that layer's pre-activation (the logits) to
    # forward and this loss's gradient to the layer's backward_from_pre_activation.
    fused_activation = "softmax"

    def forward(self, logits, targets):
        logits = np.asarray(logits)
        if not np.issubdtype(logits.dtype, np.floating):
            logits = logits.astype(np.float64)
        if logits.ndim != 2:
            raise ValueError(f"SoftmaxCrossEntropy: expected logits of shape (N, K), "
                             f"got {logits.shape}")
        self.targets = self.as_rows(targets, logits.shape, logits.dtype)
        self.log_probs = log_softmax(logits)
        return float(-(self.targets * self.log_probs).sum() / len(logits))

    def backward(self):
        probs = np.exp(self.log_probs)
        mass = self.targets.sum(axis=1, keepdims=True)
        return (probs * mass - self.targets) / len(probs)

    @staticmethod
    def as_rows(targets, shape, dtype=np.float64):
        """Targets as (N, K) rows of the logits' dtype; class indices become one-hot."""
        targets = np.asarray(targets)
        n, k = shape
        if targets.ndim == 2 and targets.shape == (n, 1) and k > 1:
            targets = targets[:, 0]
        if targets.ndim == 1:
            if len(targets) != n:
                raise ValueError(f"SoftmaxCrossEntropy: {len(targets)} targets for {n} samples")
            index = targets.astype(np.int64)
            if np.any(index != targets) or np.any(index < 0) or np.any(index >= k):
                raise ValueError(f"SoftmaxCrossEntropy: class-index targets must be integers "
                                 f"in [0, {k}), got values from {targets.min()} to {targets.max()}")
            rows = np.zeros(shape, dtype=dtype)
            rows[np.arange(n), index] = 1
            return rows
        if targets.shape != tuple(shape):
            raise ValueError(f"SoftmaxCrossEntropy: expected targets of shape ({n},) or "
                             f"({n}, {k}), got {targets.shape}")
        return targets.astype(dtype, copy=False)


LOSSES = {
    "categorical_crossentropy": SoftmaxCrossEntropy,
    "sparse_categorical_crossentropy": SoftmaxCrossEntropy,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
}


def get(loss):
    """A loss object from an object or a Keras name."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(LOSSES)}")
        return LOSSES[loss]()
    return loss
