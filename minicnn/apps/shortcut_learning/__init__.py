"""Shortcuts: is a model right for the wrong reason? Where it looks, measured by changing
the image rather than by reading a heatmap (notebook 07 walks through all of it).

    rings.py          regions by depth from the film's edge (rings, the band, the centre);
                      the donor plan, the swap of any region, blackouts, and the reliance
                      profile: how much each ring drives the predictions
    band.py           the film's border band; blacking out the band or the centre; BandMask
    interventions.py  occlusion and the border swap (rings.py on the band), and a one-line
                      reading of them
    summary.py        what `minicnn train` reports of them, and its lines
    pairs.py          every pair of classes alone: accuracy choosing between two classes
    source_probe.py   how far the label can be told from what barely shows the disease (a
                      blurred thumbnail, histograms, the body's outline): a linear probe,
                      cross-validated per pair of classes
    probe.py          the border-only probe: cross-validation of a model that sees only the
                      band, on training images, folds that keep copies together
    heatmap_share.py  Grad-CAM's share on the band, with why it is weak evidence

The figures measured on the full covid set are in benchmarks/results/shortcuts_covid.json
(benchmarks/shortcuts.py writes it; notebook 07, docs/data.md and the README quote it).
"""
from minicnn.apps.shortcut_learning.band import BandMask, band_region, band_width, black_out
from minicnn.apps.shortcut_learning.heatmap_share import grad_cam_band_share
from minicnn.apps.shortcut_learning.interventions import (border_swap, follows_the_border, inputs_for,
                                             occlusion, reading)
from minicnn.apps.shortcut_learning.pairs import pair_accuracies
from minicnn.apps.shortcut_learning.probe import (cross_validate, duplicate_groups, stratified_group_folds,
                                     train_on_images)
from minicnn.apps.shortcut_learning.rings import (blackout_accuracy, donor_plan, region, region_swap,
                                     reliance_profile, ring_edges)
from minicnn.apps.shortcut_learning import source_probe  # the module: source_probe.source_probe, ...

__all__ = ["BandMask", "band_region", "band_width", "black_out", "grad_cam_band_share",
           "border_swap", "follows_the_border", "inputs_for", "occlusion", "reading",
           "cross_validate", "duplicate_groups", "stratified_group_folds", "train_on_images",
           "pair_accuracies", "blackout_accuracy", "donor_plan", "region", "region_swap",
           "reliance_profile", "ring_edges", "source_probe"]
