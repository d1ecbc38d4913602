"deblur_nb.metrics against independent references (scikit-image, scipy); the notebook holds the full checks."
import math

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch
from skimage import data
from skimage.metrics import peak_signal_noise_ratio as sk_psnr, structural_similarity as sk_ssim

from deblur_nb.metrics import LPIPS, VideoAverager, per_frame, psnr, ssim


@pytest.fixture(scope="module")
def pair():
    gt = data.coffee()[::3, ::3].astype(np.float64) / 255           # real photograph, (134, 200, 3)
    out = np.clip(gt + np.random.default_rng(0).normal(0, 0.04, gt.shape), 0, 1)
    return out, gt


def _sk_ssim(a, b, L=1.0):
    return sk_ssim(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=L, channel_axis=-1)


def test_psnr_ssim_match_skimage(pair):
    out, gt = pair
    assert abs(psnr(out, gt) - sk_psnr(gt, out, data_range=1.0)) < 1e-6
    assert abs(ssim(out, gt) - _sk_ssim(out, gt)) < 1e-4
    c = 6
    assert abs(ssim(out, gt, crop_border=c) - _sk_ssim(out[c:-c, c:-c], gt[c:-c, c:-c])) < 1e-4
    o8, g8 = np.round(out * 255).astype(np.uint8), np.round(gt * 255).astype(np.uint8)
    assert abs(psnr(o8, g8, data_range=255) - sk_psnr(g8, o8, data_range=255)) < 1e-6
    assert abs(ssim(o8, g8, data_range=255) - _sk_ssim(o8, g8, 255)) < 1e-4


def test_torch_batch_matches_numpy(pair):
    out, gt = pair
    to = torch.from_numpy(np.stack([out, gt])).permute(0, 3, 1, 2)
    tg = torch.from_numpy(np.stack([gt, gt])).permute(0, 3, 1, 2)
    v = ssim(to, tg, reduction="none")
    assert v.dtype == torch.float64 and v.shape == (2,)
    assert abs(v[0].item() - ssim(out, gt)) < 1e-12 and abs(v[1].item() - 1) < 1e-12
    assert math.isinf(psnr(to, tg, reduction="none")[1].item())


def test_matlab_mode_is_3d_replicate_gaussian(pair):
    out, gt = pair
    f = lambda z: ndi.gaussian_filter(z, 1.5, mode="nearest", radius=5)
    mx, my = f(out), f(gt)
    vx, vy, cxy = f(out * out) - mx**2, f(gt * gt) - my**2, f(out * gt) - mx * my
    c1, c2 = 1e-4, 9e-4
    ref = (((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))).mean()
    assert abs(ssim(out, gt, mode="matlab") - ref) < 1e-10


def test_inputs_untouched_and_errors(pair):
    out, gt = pair
    keep = out.copy()
    psnr(out, gt); ssim(out, gt); ssim(out, gt, mode="matlab")
    np.testing.assert_array_equal(out, keep)
    with pytest.raises(ValueError, match="data_range=255"):
        psnr(np.zeros((4, 4, 3), np.uint8) + 9, np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="shape"):
        ssim(out, gt[1:])
    with pytest.raises(ValueError, match="mode"):
        ssim(out, gt, mode="rgb")


def test_video_averages():
    clip_gt = np.random.default_rng(1).random((5, 16, 16, 3))
    clip_out = np.clip(clip_gt + 0.05, 0, 1)
    pf = per_frame(psnr, clip_out, clip_gt, chunk=2)
    assert pf.shape == (5,)
    assert np.allclose(pf, [sk_psnr(g, o, data_range=1.0) for g, o in zip(clip_gt, clip_out)], atol=1e-6)
    va = VideoAverager(); va.update("a", pf[:2]); va.update("b", pf[2:])
    assert abs(va.dataset() - (pf[:2].mean() + pf[2:].mean()) / 2) < 1e-12
    assert abs(va.frame_mean() - pf.mean()) < 1e-12


def test_lpips_missing_weights_message(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="hub/checkpoints"):
        LPIPS("vgg")


def test_float32_fast_paths_match_skimage_float64(pair):
    # float32 inputs take OpenCV's fused PSNR sum and float32 Gaussian moments for SSIM: still within 1e-6 of
    # scikit-image's float64 computation on the same values (its own float32 path is ~1e-6 off)
    out, gt = (a.astype(np.float32) for a in pair)
    o64, g64 = out.astype(np.float64), gt.astype(np.float64)
    assert abs(psnr(out, gt) - sk_psnr(g64, o64, data_range=1.0)) < 1e-6
    assert abs(ssim(out, gt) - _sk_ssim(o64, g64)) < 1e-6
    c = 7
    assert abs(psnr(out, gt, crop_border=c) - sk_psnr(g64[c:-c, c:-c], o64[c:-c, c:-c], data_range=1.0)) < 1e-6
    assert abs(ssim(out, gt, crop_border=c) - _sk_ssim(o64[c:-c, c:-c], g64[c:-c, c:-c])) < 1e-6
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))[None]   # NCHW tensors take the same paths
    assert abs(psnr(t(out), t(gt)).item() - sk_psnr(g64, o64, data_range=1.0)) < 1e-6
    assert abs(ssim(t(out), t(gt)).item() - _sk_ssim(o64, g64)) < 1e-6
    assert ssim(out, out) == 1.0 and math.isinf(psnr(out, out))
