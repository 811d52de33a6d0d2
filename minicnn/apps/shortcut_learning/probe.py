"""The border-only probe: can the label be read from the film's border alone?

Train the lesson's model on images whose centre is set to 0 (after augmentation, in
training and at test: BandMask(fraction, keep="band")) and measure it by cross-validation
on the training images only. Well above chance means the border carries the label, whatever
any model trained on whole films does with it; that, not the test set, is what justifies a
recipe that masks the border.

    duplicate_groups(images, threshold=0.98)   a group id per image: exact and near copies
                                    (joined transitively) share one, so no copy is split
                                    between training and held-out images
    stratified_group_folds(labels, groups, folds=5, seed=0)   a fold per image
    train_on_images(recipe, images, labels, seed, ...)   the recipe's model trained on uint8
                                    images as `minicnn train` trains it (its augmentation
                                    and mask, Adam, categorical cross-entropy)
    cross_validate(recipe, images, labels, seed, ...)   pooled out-of-fold accuracy
"""
import time

import numpy as np

from minicnn.optimizers import Adam
from minicnn.preprocessing import ImageDataGenerator
from minicnn.preprocessing.duplicates import correlations, fingerprints
from minicnn.seeding import set_seed
from minicnn.apps.shortcut_learning.interventions import inputs_for


def duplicate_groups(images, threshold=0.98):
    """A group id per image (N,): images whose fingerprints correlate at ``threshold`` or
    more (exact copies included) share one, joined transitively."""
    r = correlations(fingerprints(images))
    parent = list(range(len(r)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for i, j in zip(*np.nonzero(np.triu(r >= threshold, k=1))):
        parent[root(i)] = root(j)
    roots = [root(i) for i in range(len(r))]
    ids = {each: k for k, each in enumerate(dict.fromkeys(roots))}
    return np.array([ids[each] for each in roots])


def stratified_group_folds(labels, groups, folds=5, seed=0):
    """A fold index per image: each class spread evenly over the folds, each group whole in
    one fold (groups, in an order shuffled by ``seed``, go to the fold with the fewest images
    of their class so far)."""
    labels, groups = np.asarray(labels), np.asarray(groups)
    rng = np.random.default_rng(seed)
    fold = np.full(len(labels), -1)
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        ids = np.unique(groups[members])
        rng.shuffle(ids)
        counts = np.zeros(folds)
        for g in ids:
            chosen = members[groups[members] == g]
            f = int(np.argmin(counts + rng.random(folds) * 1e-3))  # ties broken at random
            fold[chosen] = f
            counts[f] += len(chosen)
    return fold


def train_on_images(recipe, images, labels, seed, epochs=40, batch_size=16,
                    learning_rate=1e-3, verbose=0):
    """The recipe's model trained on uint8 images (N, H, W, C) with int labels, from
    set_seed(seed): its augmentation and mask, Adam, categorical cross-entropy. Returns
    (model, seconds spent in fit)."""
    set_seed(seed)
    classes = int(np.max(labels)) + 1
    generator = ImageDataGenerator(**recipe.augmentation())
    batches = generator.flow(images, np.eye(classes, dtype=np.float32)[labels],
                             batch_size=batch_size, shuffle=True, seed=seed)
    model = recipe.build_model(num_classes=classes, input_shape=images.shape[1:])
    model.compile(Adam(learning_rate), "categorical_crossentropy", ["accuracy"])
    model.metadata = recipe.metadata()
    start = time.perf_counter()
    model.fit(batches, epochs=epochs, verbose=verbose, seed=seed)
    return model, time.perf_counter() - start


def cross_validate(recipe, images, labels, seed, folds=5, fold_seed=0, groups=None, **training):
    """k-fold cross-validation of ``recipe`` on uint8 images with int labels: each fold held
    out once, the model trained on the rest (train_on_images, ``training`` its options) and
    its held-out images prepared as at test time (rescale, the recipe's mask). Returns
    {"accuracy": pooled over all held-out images, "folds": accuracy per fold, "seconds": fit
    time, "predicted": each image's class when held out}. groups: duplicate_groups(images)
    unless given."""
    labels = np.asarray(labels)
    groups = duplicate_groups(images) if groups is None else groups
    fold = stratified_group_folds(labels, groups, folds, fold_seed)
    predicted, per_fold, seconds = np.empty(len(labels), dtype=np.int64), [], 0.0
    for f in range(folds):
        held = fold == f
        model, spent = train_on_images(recipe, images[~held], labels[~held], seed, **training)
        predicted[held] = model.predict(inputs_for(model)(images[held])).argmax(axis=1)
        per_fold.append(float((predicted[held] == labels[held]).mean()))
        seconds += spent
    return {"accuracy": float((predicted == labels).mean()), "folds": per_fold,
            "seconds": seconds, "predicted": predicted.tolist()}
