"""Tests of deblur_nb.evaluate on the library's real tiny models (the notebook tests use a stand-in conv net)."""
import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from skimage.metrics import peak_signal_noise_ratio

from deblur_nb.evaluate import (Metric, Timer, deblur_frames, evaluate_sequences, restore, summarize, window_indices,
                                write_table)
from deblur_nb.zoo import build_model


def receptive_radius(model, size=64, tries=3) -> int:
    """Largest distance (pixels) from the centre at which an input pixel changes the centre output pixel, found by
    autograd; the union over a few random inputs, so a ReLU path that happens to be dead cannot hide a pixel."""
    grad = torch.zeros(size, size)
    for _ in range(tries):
        x = torch.rand(1, 3, size, size, requires_grad=True)
        y = model(x)
        y = y["out"] if isinstance(y, dict) else y
        y[0, :, size // 2, size // 2].sum().backward()
        grad += x.grad.abs().sum((0, 1))
    ys, xs = torch.nonzero(grad > 0, as_tuple=True)
    return int(max((ys - size // 2).abs().max(), (xs - size // 2).abs().max()))


@pytest.fixture(scope="module")
def face():
    torch.manual_seed(0)
    return build_model("face", "tiny").eval()


def test_window_indices_by_hand():
    np.testing.assert_array_equal(window_indices(4, 3), [[0, 0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 3]])
    np.testing.assert_array_equal(window_indices(4, 3, border="reflect"), [[1, 0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 2]])
    np.testing.assert_array_equal(window_indices(3, 7, border="reflect")[0], [1, 2, 1, 0, 1, 2, 1])


def test_tiled_equals_untiled_on_face_tiny(face):
    r = receptive_radius(face)
    assert 1 <= r < 20, r
    overlap = 4 * r  # the blending window is zero on the outer quarter of each overlap
    x = torch.rand(1, 3, 150, 190)
    full = restore(face, x)
    tiled = restore(face, x, tile=overlap + 48, overlap=overlap)
    assert tiled.shape == full.shape == (1, 3, 150, 190)
    assert (tiled - full).abs().max().item() < 1e-5


def test_padding_crops_back_exactly():
    torch.manual_seed(0)
    net = build_model("hide", "tiny").eval()
    m = net.size_multiple
    assert m > 1
    x = torch.rand(1, 3, 2 * m + 3, 3 * m + 5)
    h, w = x.shape[-2:]
    ph, pw = (-h) % m, (-w) % m
    with torch.no_grad():  # the reference pads with torch directly, not with deblur_nb.core
        ref = net(F.pad(x, (0, pw, 0, ph), mode="reflect"))["out"][..., :h, :w]
    out = restore(net, x)
    assert out.shape == (1, 3, h, w)
    assert (out - ref).abs().max().item() < 1e-6


def test_video_windows_and_batches():
    torch.manual_seed(0)
    net = build_model("edvr", "tiny").eval()
    frames = np.random.default_rng(1).random((5, 16, 16, 3), dtype=np.float32)
    out = deblur_frames(net, frames, batch_size=2, border="reflect")
    assert out.shape == frames.shape and out.dtype == np.float32
    # frame 0 of a 3-frame model with reflect borders is restored from frames (1, 0, 1)
    with torch.no_grad():
        ref = net(torch.from_numpy(frames[[1, 0, 1]]).permute(0, 3, 1, 2)[None])
    ref = (ref["out"] if isinstance(ref, dict) else ref).clamp(0, 1)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(out[0], ref, atol=1e-5)
    np.testing.assert_allclose(deblur_frames(net, frames, batch_size=5, border="reflect"), out, atol=1e-5)
    timer = Timer()
    deblur_frames(net, frames, timer=timer)
    assert timer.frames == 5 and timer.seconds > 0


def test_tables_against_skimage(face, tmp_path):
    rng = np.random.default_rng(0)
    gt = rng.random((2, 24, 24, 3), dtype=np.float32)
    lq = np.clip(gt + rng.normal(0, 0.05, gt.shape), 0, 1).astype(np.float32)
    psnr = Metric("psnr_rgb", lambda p, g: peak_signal_noise_ratio(g, p, data_range=1.0), "PSNR, RGB, no crop")
    seqs = [{"sequence": "s0", "subset": "A", "lq": lq, "gt": gt}, {"sequence": "s1", "subset": "A", "lq": lq[:1], "gt": gt[:1]}]
    df = evaluate_sequences(face, seqs, metrics=[psnr])
    pred = deblur_frames(face, lq)
    expected = [10 * math.log10(1 / np.mean((pred[i].astype(np.float64) - gt[i]) ** 2)) for i in (0, 1, 0)]
    np.testing.assert_allclose(df.psnr_rgb, expected, atol=1e-3)
    s = summarize(df)
    all_row = s[s.level == "all"].iloc[0]
    assert all_row.frames == 3
    np.testing.assert_allclose(all_row.psnr_rgb, (np.mean(expected[:2]) + expected[2]) / 2, atol=1e-3)
    p = write_table(s, tmp_path / "s.json")
    assert json.loads(p.read_text())["conventions"] == {"psnr_rgb": "PSNR, RGB, no crop"}
    with pytest.raises(FileExistsError, match="exists"):
        write_table(s, p)
    assert pd.read_csv(write_table(s, tmp_path / "s.csv")).shape == s.shape
