"""The border checks `minicnn train` runs after training, and the lines it prints.

    where_it_looks(model, images, labels, donors, donor_labels, fraction, leaked)
        the border swap, occlusion, the reliance profile (RINGS rings, PROFILE_DONORS donors
        of each class per image and ring: a few seconds on the bundled sample) and (beside
        them, with its caveat) Grad-CAM's share on the band, for the test images; donors
        are training images
    lines(result)    the report's lines: the numbers, then a one-line reading
    ring_lines(profile)   the reliance profile's lines, one per ring
"""
from minicnn.apps.shortcut_learning.heatmap_share import grad_cam_band_share
from minicnn.apps.shortcut_learning.interventions import border_swap, inputs_for, occlusion, reading
from minicnn.apps.shortcut_learning.rings import reliance_profile, steering_ring

RINGS, PROFILE_DONORS = 8, 2

CAVEAT = ("weak evidence: shares sit near the uniform map's for every model measured, one "
          "that cannot see the band included; see notebook 07")


def where_it_looks(model, images, labels, donors, donor_labels, fraction=0.125, leaked=None):
    """A dict (for metrics.json): "band" (the fraction), "border_swap", "occlusion",
    "reliance_profile" (rings.reliance_profile), "grad_cam_band_share" (with "caveat"),
    "masked" (the model's own mask hides this band), "reading" (one sentence)."""
    classes = int(model.output_shape[-1])
    metadata = getattr(model, "metadata", None) or {}
    masked = metadata.get("sees") == "centre" and metadata.get("band", 0) >= fraction
    swap = border_swap(model, images, labels, donors, donor_labels, fraction)
    return {"band": fraction, "border_swap": swap,
            "occlusion": occlusion(model, images, labels, fraction, leaked=leaked),
            "reliance_profile": reliance_profile(model, images, labels, donors, donor_labels,
                                                 RINGS, per_class=PROFILE_DONORS),
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
    if "reliance_profile" in result:
        out += ring_lines(result["reliance_profile"])
    if "own" in swap and "control_own" in swap:
        out.append("  " + result["reading"])
    return out


COLUMNS = (  # the reliance table's columns: a header, and what a ring shows under it
    ("  ring", lambda k, ring: k + 1),
    ("depth (% of side)", lambda k, ring: f"{100 * ring['outer']:.1f}-{100 * ring['inner']:.1f}"),
    ("area", lambda k, ring: f"{ring['area']:.0%}"),
    ("follows the donor", lambda k, ring: f"{ring['swap']['donor']:.0%}"),
    ("control's errors give", lambda k, ring: f"{ring['swap']['donor'] - ring['swap']['excess']:.0%}"),
    ("excess", lambda k, ring: f"{ring['swap']['excess']:+.0%}"),
    ("accuracy, ring blacked out", lambda k, ring: f"{ring['blackout']:.3f}"))


def ring_lines(profile):
    """The reliance profile as lines: per ring, its depth, area, how often a pasted ring of
    another class sets the prediction, what the same-class control's errors give, the
    excess, and the accuracy with the ring blacked out."""
    rings = profile["rings"]
    swap = rings[0]["swap"]
    each = swap["composites"] // max(swap["images"], 1)
    out = [f"  reliance by ring ({len(rings)} rings from the edge to the middle; each test image "
           f"with the ring of {each} training images of other classes pasted in, "
           f"{profile['donors_per_class']} per class, and {profile['donors_per_class']} of its own "
           f"class for the control):",
           "  " + "  ".join(header for header, _ in COLUMNS)]
    for k, ring in enumerate(rings):
        if "excess" in ring["swap"]:
            out.append("  " + "  ".join(f"{shown(k, ring):>{len(header)}}"
                                        for header, shown in COLUMNS))
    if all("excess" in ring["swap"] for ring in rings):
        top = steering_ring(profile)
        ring = rings[top]
        out.append(f"  the ring that steers it most: ring {top + 1} ({100 * ring['outer']:.1f}-"
                   f"{100 * ring['inner']:.1f}% of each side from the edge, {ring['area']:.0%} of "
                   f"the image): pasted in from another class, it sets the prediction to the "
                   f"donor's class {ring['swap']['donor']:.0%} of the time ({ring['swap']['excess']:+.0%} "
                   f"against what the control's errors give)")
    return out
