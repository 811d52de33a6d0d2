"""Predictions averaged over symmetric views of each image (test-time augmentation):
for a recipe whose classes do not depend on orientation (galaxies), the softmax of the
8 symmetries of the square (4 quarter turns, each also mirrored) averaged, so that no
single orientation decides. A recipe stores how many views it averages in the model's
metadata ("test_views"), and the report and ``minicnn predict`` use it."""
import numpy as np

VIEWS = (1, 8)


def symmetric_views(x):
    """The 8 views of images x (N, H, W, C), H == W: quarter turns k = 0..3, each as
    it is and mirrored left to right."""
    for k in range(4):
        turned = np.rot90(x, k, axes=(1, 2))
        yield np.ascontiguousarray(turned)
        yield np.ascontiguousarray(turned[:, :, ::-1])


def check_views(views, where):
    if isinstance(views, bool) or views not in VIEWS:
        raise ValueError(f"{where}: test_views must be 1 (the image as it is) or 8 (the "
                         f"symmetries of the square), got {views!r}")
    return views


def images_of(data):
    """The images of an array (or a list of images) or of a non-shuffling iterator's
    batches, stacked in order."""
    if isinstance(data, (np.ndarray, list)):
        return np.asarray(data)
    if getattr(data, "shuffle", False):
        raise ValueError("predict: averaging over the symmetric views needs the images in "
                         "order; give an iterator made with shuffle=False")
    batches = [data[i] for i in range(len(data))]
    return np.concatenate([b[0] if isinstance(b, tuple) else b for b in batches])


def predict(model, data, views=1):
    """model.predict(data), or its mean over the 8 symmetric views when views is 8."""
    if check_views(views, "predict") == 1:
        return model.predict(data, verbose=0)
    x = images_of(data)
    if x.shape[1] != x.shape[2]:
        raise ValueError(f"predict: averaging over the symmetric views needs square images, "
                         f"got {x.shape[1]}x{x.shape[2]}")
    return np.mean([model.predict(view, verbose=0) for view in symmetric_views(x)], axis=0)
