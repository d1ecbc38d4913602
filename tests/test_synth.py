"""Contract tests for deblur_nb.synth: the names and signatures deblur_nb.data builds on, plus cross-checks
that the notebook's tests do not already make. Fast (about a second on one core)."""
import inspect

import numpy as np
import pytest

from deblur_nb import synth


def _kwonly(fn):
    return {n for n, p in inspect.signature(fn).parameters.items() if p.kind is p.KEYWORD_ONLY}


def test_public_api_contract():
    assert synth.CDVD_LEVELS == (3, 7, 11, 15)
    assert inspect.signature(synth.linear_to_srgb).parameters["gamma"].default == 2.2
    assert inspect.signature(synth.srgb_to_linear).parameters["gamma"].default == 2.2
    assert {"gamma"} <= _kwonly(synth.average_frames)
    assert {"method"} <= _kwonly(synth.interpolate_frames)
    assert {"n_avg", "stride", "gamma", "interp_factor"} <= _kwonly(synth.blur_sequence)
    assert {"gamma"} <= _kwonly(synth.cdvd_blur)
    assert list(inspect.signature(synth.mixed_cdvd_levels).parameters)[:3] == ["rng", "n", "levels"]
    assert list(inspect.signature(synth.gaussian_kernel).parameters) == ["size", "sigma"]
    assert {"n_steps"} <= _kwonly(synth.motion_kernel)
    assert {"noise_sigma", "rng"} <= _kwonly(synth.blur_image)
    assert {"n_frames", "rng", "n_people", "people", "max_shift"} <= _kwonly(synth.compose_scene)
    assert {"frames", "boxes", "masks"} <= set(synth.Scene.__dataclass_fields__)
    for name in synth.__all__:
        assert getattr(synth, name).__doc__ or name.isupper(), f"{name} has no docstring"


def test_dvd_protocol_counts_on_a_240fps_length():
    # 3 s of 240 fps video = 720 frames -> 30 fps output: 90 GT frames at 3, 11, ..., 715
    frames = np.zeros((720, 2, 2, 3), np.float32)
    frames[:, 0, 0, 0] = np.arange(720) / 719
    blurry, sharp = synth.dvd_protocol(frames)
    assert blurry.shape == sharp.shape == (90, 2, 2, 3)
    np.testing.assert_allclose(sharp[:, 0, 0, 0], (3 + 8 * np.arange(90)) / 719, rtol=0, atol=1e-7)


def test_interpolated_blur_lies_between_sparse_and_dense():
    # a ramp texture translating 1 px per frame: the 9-frame dense average is the reference; averaging frames
    # 0, 4, 8 only is ghosted; interpolating those x4 recovers the dense frames
    rng = np.random.default_rng(0)
    tex = np.clip(np.cumsum(rng.normal(0, 0.05, (40, 90, 3)), 1) * 0.3 + 0.5, 0, 1).astype(np.float32)
    import cv2
    tex = cv2.GaussianBlur(tex, (0, 0), 1.5)
    clip = np.stack([tex[:, 20 + 2 * k: 60 + 2 * k] for k in range(9)])
    dense = synth.average_frames(clip)
    sparse = synth.average_frames(clip[::4])
    interp = synth.average_frames(synth.iter_interpolated(clip[::4], 4))
    inner = np.s_[6:-6, 6:-6]
    err = lambda a: float(np.abs(a[inner] - dense[inner]).mean())
    assert err(interp) < 0.5 * err(sparse), (err(interp), err(sparse))


def test_blur_sequence_interp_keeps_centre_frames_exact():
    rng = np.random.default_rng(1)
    clip = rng.random((7, 16, 20, 3), dtype=np.float32)
    blurry, sharp = synth.blur_sequence(clip, n_avg=3, stride=2, interp_factor=3)
    assert blurry.shape == (3, 16, 20, 3)
    np.testing.assert_array_equal(sharp, clip[[1, 3, 5]])


def test_scene_masks_are_unions_of_boxes_and_person_ids_valid():
    bg = np.random.default_rng(2).random((80, 100, 3), dtype=np.float32)
    sc = synth.compose_scene(bg, n_frames=4, rng=3, n_people=3, out_size=(64, 80))
    for t in range(4):
        assert sc.boxes[t].shape[1] == 4 and len(sc.boxes[t]) == len(sc.ids[t])
        assert set(sc.ids[t].tolist()) <= {0, 1, 2}
        b = sc.boxes[t]
        assert np.all(b[:, 0] < b[:, 2]) and np.all(b[:, 1] < b[:, 3])
        assert np.all(b >= 0) and np.all(b[:, [0, 2]] <= 80) and np.all(b[:, [1, 3]] <= 64)


@pytest.mark.parametrize("bad, msg", [
    (dict(n_avg=0), "n_avg must be an odd"),
    (dict(n_avg=3, interp_factor=0), "factor must be an integer"),
    (dict(n_avg=3, gamma=-1), "gamma must be a positive"),
])
def test_blur_sequence_errors_name_the_parameter(bad, msg):
    clip = np.zeros((5, 4, 4, 3), np.float32)
    with pytest.raises((ValueError, TypeError), match=msg):
        synth.blur_sequence(clip, **bad)
