"""ConfusionMatrixDisplay, scikit-learn's (sklearn.metrics): a confusion matrix drawn with
matplotlib, each cell's count written in it.

    disp = ConfusionMatrixDisplay(confusion_matrix=cm, display_labels=class_names)
    disp.plot(cmap=plt.cm.Blues)              # draws on pyplot's current figure machinery
    ConfusionMatrixDisplay.from_predictions(y_true, y_pred, display_labels=class_names)

After plot: ``figure_``, ``ax_``, ``im_`` (the image) and ``text_`` (the cells' texts).
"""
import numpy as np

from minicnn.compat.sklearn.metrics.scores import as_labels, confusion_matrix


class ConfusionMatrixDisplay:
    """Rows: the true classes; columns: the predicted ones (as confusion_matrix)."""

    def __init__(self, confusion_matrix, *, display_labels=None):
        self.confusion_matrix = np.asarray(confusion_matrix)
        if self.confusion_matrix.ndim != 2 or (
                self.confusion_matrix.shape[0] != self.confusion_matrix.shape[1]):
            raise ValueError(f"ConfusionMatrixDisplay: confusion_matrix must be square, got shape "
                             f"{self.confusion_matrix.shape}")
        self.display_labels = display_labels

    def plot(self, *, include_values=True, cmap="viridis", xticks_rotation="horizontal",
             values_format=None, ax=None, colorbar=True, im_kw=None, text_kw=None):
        """Draw the matrix (on ``ax``, or a new pyplot figure) and return self.
        A cell's text is dark on light cells and light on dark ones, as scikit-learn."""
        import matplotlib.pyplot as plt

        figure, ax = plt.subplots() if ax is None else (ax.figure, ax)
        cm, n = self.confusion_matrix, self.confusion_matrix.shape[0]
        self.im_ = ax.imshow(cm, **{"interpolation": "nearest", "cmap": cmap, **(im_kw or {})})
        self.text_ = None
        if include_values:
            self.text_ = np.empty_like(cm, dtype=object)
            low, high = self.im_.cmap(0), self.im_.cmap(1.0)
            threshold = (cm.max() + cm.min()) / 2.0
            for i in range(n):
                for j in range(n):
                    color = high if cm[i, j] < threshold else low
                    self.text_[i, j] = ax.text(j, i, cell_text(cm[i, j], cm.dtype, values_format),
                                               **{"ha": "center", "va": "center", "color": color,
                                                  **(text_kw or {})})
        labels = np.arange(n) if self.display_labels is None else self.display_labels
        if len(labels) != n:
            raise ValueError(f"ConfusionMatrixDisplay: {len(labels)} display_labels for a "
                             f"{n}x{n} matrix")
        if colorbar:
            figure.colorbar(self.im_, ax=ax)
        ax.set(xticks=np.arange(n), yticks=np.arange(n), xticklabels=labels,
               yticklabels=labels, ylabel="True label", xlabel="Predicted label")
        ax.set_ylim((n - 0.5, -0.5))
        plt.setp(ax.get_xticklabels(), rotation=xticks_rotation)
        self.figure_, self.ax_ = figure, ax
        return self

    @classmethod
    def from_predictions(cls, y_true, y_pred, *, labels=None, sample_weight=None,
                         normalize=None, display_labels=None, include_values=True,
                         xticks_rotation="horizontal", values_format=None, cmap="viridis",
                         ax=None, colorbar=True, im_kw=None, text_kw=None):
        """The display of confusion_matrix(y_true, y_pred), plotted. Labels default
        to the classes seen; rows of probabilities count as their argmax."""
        y_true, y_pred = as_labels(y_true), as_labels(y_pred)
        if labels is None:
            labels = np.union1d(y_true, y_pred)
        matrix = confusion_matrix(y_true, y_pred, labels=labels, sample_weight=sample_weight,
                                  normalize=normalize)
        display = cls(matrix, display_labels=labels if display_labels is None else display_labels)
        return display.plot(include_values=include_values, cmap=cmap, ax=ax,
                            xticks_rotation=xticks_rotation, values_format=values_format,
                            colorbar=colorbar, im_kw=im_kw, text_kw=text_kw)

    @classmethod
    def from_estimator(cls, estimator, X, y, **kwargs):
        """from_predictions with estimator.predict(X): for a model giving class
        probabilities, the most probable class."""
        return cls.from_predictions(y, as_labels(estimator.predict(X)), **kwargs)


def cell_text(value, dtype, values_format):
    """scikit-learn's cell text: the shorter of ".2g" and "d" for counts, ".2g" for fractions."""
    if values_format is not None:
        return format(value, values_format)
    text = format(value, ".2g")
    if dtype.kind != "f":
        whole = format(value, "d")
        if len(whole) < len(text):
            text = whole
    return text
