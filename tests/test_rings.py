"""The rings of a film and the reliance profile, against stand-in models whose answer is known:
one reads only one ring, so pasting that ring moves its predictions and no other ring does."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from minicnn.apps import plots
from minicnn.apps.shortcut_learning import rings
from minicnn.apps.shortcut_learning.band import band_region
from minicnn.apps.shortcut_learning.interventions import border_swap


def test_rings_cut_the_film_into_frames_of_equal_width():
    assert rings.ring_edges(4) == [0, 0.125, 0.25, 0.375, 0.5]
    edges = rings.ring_edges(8)
    frames = [rings.region(32, 48, a, b) for a, b in zip(edges[:-1], edges[1:])]
    np.testing.assert_array_equal(np.sum(frames, axis=0), 1)       # every pixel in one ring
    assert frames[0][0, 24] and frames[0][1, 24] and not frames[0][2, 24]   # 2 of 32 rows
    assert frames[0][16, 2] and not frames[0][16, 3]                        # 3 of 48 columns
    assert frames[-1][16, 24] and not frames[-1][13, 24]
    np.testing.assert_array_equal(rings.region(32, 48, 0, 0.125), band_region(32, 48, 0.125))
    np.testing.assert_array_equal(rings.region(32, 48, 0.125, 0.5), ~band_region(32, 48, 0.125))
    areas = [f.mean() for f in frames]
    assert areas == sorted(areas, reverse=True)                   # outer rings are longer


@pytest.mark.parametrize("call,words", [
    (lambda: rings.region(8, 8, 0.3, 0.2), "outer < inner"),
    (lambda: rings.region(8, 8, 0, 0.6), "<= 0.5"),
    (lambda: rings.ring_edges(0), "positive int"),
    (lambda: rings.blank(np.zeros((2, 8, 8, 1)), np.zeros((4, 4), bool)), "got shape"),
])
def test_ring_errors_name_the_argument(call, words):
    with pytest.raises(ValueError, match=words):
        call()


class RingReader:
    """A stand-in model: class 0, 1 or 2 as the mean of one frame (outer, inner) lies below
    0.3, between, or above 0.6 (images rescaled to 0..1)."""

    def __init__(self, outer, inner):
        self.span, self.metadata, self.output_shape = (outer, inner), {"rescale": 1 / 255}, (3,)

    def predict(self, x, batch_size=None):
        where = rings.region(x.shape[1], x.shape[2], *self.span)
        return np.eye(3)[np.digitize(x[:, where, 0].mean(axis=1), [0.3, 0.6])]


def films(rng, count, size=32):
    """uint8 films of three classes, class k at grey level (k + 0.5) / 3 everywhere, with noise."""
    labels = np.arange(count) % 3
    images = ((labels + 0.5) / 3 * 255)[:, None, None, None] + rng.normal(0, 5, (count, size, size, 1))
    return np.clip(images, 0, 255).astype(np.uint8), labels


def test_the_profile_finds_the_one_ring_a_model_reads(rng):
    images, labels = films(rng, 6)
    donors, donor_labels = films(rng, 30)
    edges = rings.ring_edges(4)
    model = RingReader(edges[2], edges[3])                         # reads the third ring only
    profile = rings.reliance_profile(model, images, labels, donors, donor_labels, rings=4,
                                     named={"band": (0, 0.125)}, per_class=3)
    assert profile["clean"] == 1.0 and len(profile["rings"]) == 4
    follows = [ring["swap"]["donor"] for ring in profile["rings"]]
    assert follows == [0, 0, 1, 0]
    assert [ring["swap"]["excess"] for ring in profile["rings"]] == [0, 0, 1, 0]
    assert [ring["swap"]["control_own"] for ring in profile["rings"]] == [1, 1, 1, 1]
    blackout = [ring["blackout"] for ring in profile["rings"]]
    assert blackout[2] < 0.5 and blackout[0] == blackout[1] == blackout[3] == 1.0
    assert rings.steering_ring(profile) == 2
    assert profile["rings"][0]["swap"]["composites"] == 6 * 2 * 3
    assert profile["rings"][0]["swap"]["control_composites"] == 6 * 3
    assert profile["named"]["band"]["swap"]["donor"] == 0
    assert [r["area"] for r in profile["rings"]] == pytest.approx(
        [rings.region(32, 32, a, b).mean() for a, b in zip(edges[:-1], edges[1:])])


def test_excess_takes_off_what_the_controls_errors_give():
    swap = {"donor": 0.4, "control_own": 0.8}
    assert rings.excess(swap, 3) == pytest.approx(0.4 - 0.2 / 2)
    assert rings.excess(swap, 2) == pytest.approx(0.2)


def test_one_donor_plan_for_every_region_and_the_border_swap_is_one_of_them(rng):
    images, labels = films(rng, 3)
    donors, donor_labels = films(rng, 12)
    donors[0] = images[0]                      # a copy of test image 0 among its class's donors
    plan = rings.donor_plan(images, labels, donors, donor_labels, per_class=10)
    again = rings.donor_plan(images, labels, donors, donor_labels, per_class=10)
    np.testing.assert_array_equal(plan.other, again.other)
    np.testing.assert_array_equal(plan.same, again.same)
    assert len(plan.same) == 3 + 4 + 4         # image 0 loses its copy from its class's pool
    assert 0 not in plan.same[plan.same[:, 0] == 0, 2]
    assert np.all(donor_labels[plan.other[:, 2]] == plan.other[:, 1])
    assert np.all(plan.other[:, 1] != labels[plan.other[:, 0]])
    model = RingReader(0, 0.125)
    band = band_region(32, 32, 0.125)
    assert border_swap(model, images, labels, donors, donor_labels, 0.125, per_class=10) == \
        rings.region_swap(model, images, labels, donors, band, plan)


def test_inputs_for_hides_what_the_models_mask_hid():
    images = np.full((1, 16, 16, 1), 200, dtype=np.uint8)
    model = RingReader(0, 0.5)
    model.metadata = {"rescale": 1 / 255, "sees": "band", "band": 0.25}
    seen = rings.inputs_for(model)(images)[0, :, :, 0]
    assert seen[0, 0] == pytest.approx(200 / 255) and seen[8, 8] == 0


def test_the_reliance_picture_of_one_model_and_of_several_seeds(rng):
    images, labels = films(rng, 6)
    donors, donor_labels = films(rng, 12)
    one = [rings.reliance_profile(RingReader(a, b), images, labels, donors, donor_labels,
                                  rings=4, per_class=2) for a, b in ((0, 0.125), (0.125, 0.25))]
    fig = plots.plot_reliance_profile({"one model": one[0], "two seeds": one}, band=0.125,
                                      title="reliance")
    assert len(fig.axes) == 2
    red = fig.axes[1].get_lines()[0].get_ydata()
    np.testing.assert_allclose(red, [0.5, 0.5, 0, 0])     # the mean of the two seeds per ring
    plt.close(fig)
