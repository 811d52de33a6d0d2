"""How much of a Grad-CAM map falls on the border band: reported beside the interventions,
never instead of them.

    grad_cam_band_share(model, x, fraction)
        the mean share of each map's mass on the units whose receptive field is centred in
        the band (explain.receptive_field_centres), the share a uniform map gets by the same
        rule, and how many maps are all zero

Why this is weak evidence, measured on the covid set (benchmarks/RESULTS.md): the shares sit
near the uniform map's for every model tried, including one whose band is all zeros (it
cannot use the border, yet 15-55% of its Grad-CAM mass lies there); the way the map is put on
the image (stretched, or registered to the receptive fields) moves the share by up to 0.1; and
with few channels in the last convolution many maps are empty (Grad-CAM's ReLU of a sum of
channels whose weights are all negative).
"""

from minicnn.apps.explain import grad_cam, last_conv_index, receptive_field_centres
from minicnn.apps.shortcut_learning.band import band_width, check_fraction


def grad_cam_band_share(model, x, fraction=0.125, layer=None, class_index=None):
    """{"share": mean over non-empty maps of the mass on band units, "uniform": a uniform
    map's share by the same rule, "empty": maps that are all zero, "maps": how many}; x as
    the model takes it (rescaled, masked). Band units: receptive-field centre on the outer
    ``fraction`` of the image's height or width."""
    fraction = check_fraction("grad_cam_band_share", fraction)
    layer = last_conv_index(model) if layer is None else layer
    maps = grad_cam(model, x, class_index=class_index, layer=layer)
    rows, columns = receptive_field_centres(model, layer)
    height, width = model.input_shape[:2]
    on_band = [(c < band_width(size, fraction) - 0.5)
               | (c > size - band_width(size, fraction) - 0.5)
               for c, size in ((rows, height), (columns, width))]
    units = on_band[0][:, None] | on_band[1][None, :]
    total = maps.sum(axis=(1, 2))
    filled = total > 0
    shares = (maps * units).sum(axis=(1, 2))[filled] / total[filled]
    return {"share": float(shares.mean()) if len(shares) else None,
            "uniform": float(units.mean()), "empty": int((~filled).sum()), "maps": len(maps)}
