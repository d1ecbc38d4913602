"PRO-MOTION: Table 6 size, eq. 4 ranking on a real image, priors against hand-computed values, ablation flags."
import cv2
import numpy as np
import torch
from skimage import data as skdata

from deblur_nb.models.edvr import EDVR, EDVRConfig, model_complexity
from deblur_nb.models.promotion import (ABLATIONS, DualLoss, ProMotion, ProMotionConfig, ablation, blur_vector,
                                        contrast_map, gradient_map)


def _promotion_minus_edvr(T=5, H=256, W=256, C=128, r=16, n_extract=5, n_predeblur=8, n_reconstruct=40):
    """What PRO-MOTION adds to EDVR-L, counted by hand from the paper's layer sizes: (parameters, MACs).
    Prior encoder, Table 1 of the paper: 3-D conv 3 -> 9 (3x5x5, groups 3), 2x2x2 max-pool, 3-D conv 9 -> 27 (3x5x5,
    groups 9), 2x2x2 max-pool, 2-D 1x1 conv 27 -> C; 'same' padding, the priors at the input resolution.
    Channel attention (Sec. 3.3, RCAN's [36] squeeze-excite, reduction r) in every residual block of EDVR-L: the
    C -> C/r -> C pair of 1x1 convs with biases, on the pooled 1x1 map. EDVR runs its 5 extraction and 8 predeblur
    blocks once per frame and its 40 reconstruction blocks once."""
    k3 = 3 * 5 * 5
    enc_params = (9 * 1 * k3 + 9) + (27 * 1 * k3 + 27) + (C * 27 + C)          # grouped: one input channel per group
    ca_params = (C * (C // r) + C // r) + ((C // r) * C + C)
    n_blocks = n_extract + n_predeblur + n_reconstruct
    t1 = T // 2                                                  # depth after the first 2x2x2 pool
    # conv1 at (T, H, W), conv2 at (T/2, H/2, W/2), the 1x1 conv on the depth-reduced (H/4, W/4) map
    enc_macs = (9 * T * H * W * k3) + (27 * t1 * (H // 2) * (W // 2) * k3) + (C * (H // 4) * (W // 4) * 27)
    ca_calls = T * (n_extract + n_predeblur) + n_reconstruct
    ca_macs = ca_calls * 2 * C * (C // r)
    return enc_params + n_blocks * ca_params, enc_macs + ca_macs


def test_paper_size_table6():
    pm = model_complexity(lambda: ProMotion(ProMotionConfig.paper()), (1, 5, 3, 256, 256),
                          extra_inputs={"priors": (1, 3, 5, 256, 256), "blur": (1, 5)})
    ed = model_complexity(lambda: EDVR(EDVRConfig.paper()), (1, 5, 3, 256, 256))
    d_params, d_macs = _promotion_minus_edvr()
    assert (d_params, d_macs) == (6320 + 53 * 2184, 301_694_976 + 105 * 2048)   # the hand count, spelled out
    assert pm["params"] - ed["params"] == d_params                  # a model without CA or encoder fails here
    assert round((pm["gmac"] - ed["gmac"]) * 1e9) == d_macs          # ... and here (a no-FLOP change fails too)
    assert abs(pm["params"] / 23.72e6 - 1) < 0.001 and abs(ed["params"] / 23.60e6 - 1) < 0.001   # paper's Table 6


def test_blur_vector_ranks_sharp_frame():
    img = skdata.coffee()[::4, ::4].astype(np.float32) / 255
    lengths = [7, 13, 1, 3, 19]
    frames = [cv2.blur(img, (k, 1)) if k > 1 else img for k in lengths]
    x = torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2)[None]
    v = blur_vector(x)[0]
    assert abs(v.sum().item() - 5) < 1e-5
    assert v.argmin().item() == 2                                    # eq. 4: the sharp frame has the least blur
    assert v.argsort().tolist() == np.argsort(lengths).tolist()


def test_contrast_and_gradient_by_hand():
    g = torch.tensor([[0.0, 0.0, 0.0], [0.0, 0.8, 0.0], [0.0, 0.0, 0.0]]).view(1, 1, 3, 3)
    c = contrast_map(g)[0, 0]
    assert torch.allclose(c, torch.tensor([[0, .25, 0], [.25, 1, .25], [0, .25, 0]]))
    gr = gradient_map(g)[0, 0]
    # centre: (0.8 - 0) + (0.8 - 0); above the centre: (0 - 0.8) + 0; left of it: 0 + (0 - 0.8)
    assert torch.allclose(gr[1, 1], torch.tensor(1.6)) and torch.allclose(gr[0, 1], torch.tensor(-0.8))
    assert torch.allclose(gr[1, 0], torch.tensor(-0.8)) and gr[2, 2] == 0


def test_ablations_and_loss_weights():
    for name in ABLATIONS:
        cfg, loss_kw = ablation(name, ProMotionConfig.tiny())
        out = ProMotion(cfg)(torch.rand(1, 3, 3, 16, 16))
        assert out["out"].shape == (1, 3, 16, 16)
    assert DualLoss(perceptual=False).weights == {"charbonnier": 1.0}
