"""scikit-learn's label encoders as image tutorials use them: LabelBinarizer (one-hot
rows, or one 0/1 column for two classes) and LabelEncoder (class indices), classes_
sorted as scikit-learn sorts them.

They live with minicnn's data preparation: ``from sklearn.preprocessing import
LabelBinarizer``, rewritten, is ``from minicnn.preprocessing import LabelBinarizer``."""
import numpy as np


class LabelEncoder:
    """Labels -> indices into classes_ (the sorted distinct labels), and back."""

    def fit(self, y):
        self.classes_ = np.unique(np.asarray(y))
        return self

    def transform(self, y):
        y = np.asarray(y)
        unknown = sorted(set(np.unique(y)) - set(self.classes_))
        if unknown:
            raise ValueError(f"y contains previously unseen labels: {unknown}")
        return np.searchsorted(self.classes_, y)

    def fit_transform(self, y):
        return self.fit(y).transform(y)

    def inverse_transform(self, y):
        return self.classes_[np.asarray(y, dtype=np.int64)]


class LabelBinarizer:
    """Labels -> one-hot rows over classes_ (pos_label 1, neg_label 0); two classes give
    one column (1 for the second class), as scikit-learn's."""

    def __init__(self, neg_label=0, pos_label=1, sparse_output=False):
        if sparse_output:
            raise ValueError("LabelBinarizer: minicnn gives dense arrays (sparse_output=False)")
        self.neg_label, self.pos_label = neg_label, pos_label

    def fit(self, y):
        self.classes_ = np.unique(np.asarray(y))
        self.y_type_ = "binary" if len(self.classes_) <= 2 else "multiclass"
        return self

    def transform(self, y):
        index = LabelEncoder().fit(self.classes_).transform(np.asarray(y))
        rows = np.full((len(index), len(self.classes_)), self.neg_label, dtype=np.int64)
        rows[np.arange(len(index)), index] = self.pos_label
        return rows[:, -1:] if len(self.classes_) == 2 else rows

    def fit_transform(self, y):
        return self.fit(y).transform(y)

    def inverse_transform(self, Y, threshold=None):
        Y = np.asarray(Y)
        if len(self.classes_) == 2:
            cut = (self.pos_label + self.neg_label) / 2 if threshold is None else threshold
            return self.classes_[(Y.reshape(-1) > cut).astype(np.int64)]
        return self.classes_[Y.argmax(axis=1)]


__all__ = ["LabelBinarizer", "LabelEncoder"]
