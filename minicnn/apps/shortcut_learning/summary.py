"""The border checks `minicnn train` runs after training, and the lines it prints.

    where_it_looks(model, images, labels, donors, donor_labels, fraction, leaked)
        the border swap, occlusion and (beside them, with its caveat) Grad-CAM's share on
        the band, for the test images; donors are training images
    lines(result)    the report's lines: the numbers, then a one-line reading
"""
from minicnn.apps.shortcut_learning.heatmap_share import grad_cam_band_share
from minicnn.apps.shortcut_learning.interventions import border_swap, inputs_for, occlusion, reading

CAVEAT = ("weak evidence: shares sit near the uniform map's for every model measured, one "
          "that cannot see the band included; see notebook 07")


def where_it_looks(model, images, labels, donors, donor_labels, fraction=0.125, leaked=None):
    """A dict (for metrics.json): "band" (the fraction), "border_swap", "occlusion",
    "grad_cam_band_share" (with "caveat"), "masked" (the model's own mask hides this band),
    "reading" (one sentence)."""
    classes = int(model.output_shape[-1])
    metadata = getattr(model, "metadata", None) or {}
    masked = metadata.get("sees") == "centre" and metadata.get("band", 0) >= fraction
    swap = border_swap(model, images, labels, donors, donor_labels, fraction)
    return {"band": fraction, "border_swap": swap,
            "occlusion": occlusion(model, images, labels, fraction, leaked=leaked),
            "grad_cam_band_share": {**grad_cam_band_share(model, inputs_for(model)(images),
                                                          fraction), "caveat": CAVEAT},
            "masked": masked, "reading": reading(swap, classes, masked)}


def lines(result):
    """The printed report's lines for a where_it_looks result."""
    swap, occluded = result["border_swap"], result["occlusion"]
    out = [f"where it looks (the border band: the outer {result['band']:.1%} of each side)"]
    if "own" in swap:
        out.append(f"  border swap ({swap['images']} test images, each with the border of "
                   f"{swap['composites'] // max(swap['images'], 1)} training images of other "
                   f"classes pasted on): the prediction stays with the image's class "
                   f"{swap['own']:.0%}, "
                   f"follows the pasted border {swap['donor']:.0%}, neither {swap['neither']:.0%}"
                   + (f"; a same-class border keeps {swap['control_own']:.0%} right"
                      if "control_own" in swap else ""))
    out.append(f"  occlusion: accuracy {occluded['clean']:.3f} on whole films, "
               f"{occluded['centre_blacked']:.3f} with the centre blacked out (border only), "
               f"{occluded['band_blacked']:.3f} with the border blacked out")
    if "own" in swap and "control_own" in swap:
        out.append("  " + result["reading"])
    return out
