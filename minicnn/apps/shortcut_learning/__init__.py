"""Shortcuts: is a model right for the wrong reason? Where it looks, measured by changing
the image rather than by reading a heatmap (notebook 07 walks through all of it).

    band.py           the film's border band; blacking out the band or the centre; BandMask
    interventions.py  occlusion, the border swap (with same-class donors as the control),
                      and a one-line reading of them
    probe.py          the border-only probe: cross-validation of a model that sees only the
                      band, on training images, folds that keep copies together
    heatmap_share.py  Grad-CAM's share on the band, with why it is weak evidence
    covid_measured.py the figures measured on the full covid set (benchmarks/shortcuts.py
                      writes it), for the notebooks and the README, which cannot train on it
"""
from minicnn.apps.shortcut_learning.band import BandMask, band_region, band_width, black_out
from minicnn.apps.shortcut_learning.heatmap_share import grad_cam_band_share
from minicnn.apps.shortcut_learning.interventions import (border_swap, follows_the_border, inputs_for,
                                             occlusion, reading)
from minicnn.apps.shortcut_learning.probe import (cross_validate, duplicate_groups, stratified_group_folds,
                                     train_on_images)

__all__ = ["BandMask", "band_region", "band_width", "black_out", "grad_cam_band_share",
           "border_swap", "follows_the_border", "inputs_for", "occlusion", "reading",
           "cross_validate", "duplicate_groups", "stratified_group_folds", "train_on_images"]
