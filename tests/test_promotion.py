"PRO-MOTION: Table 6 size, eq. 4 ranking on a real image, priors against hand-computed values, ablation flags."
import cv2
import numpy as np
import torch
from skimage import data as skdata

from deblur_nb.models.edvr import EDVR, EDVRConfig, model_complexity
from deblur_nb.models.promotion import (ABLATIONS, DualLoss, ProMotion, ProMotionConfig, ablation, blur_vector,
                                        contrast_map, gradient_map)


def test_paper_size_table6():
    pm = model_complexity(lambda: ProMotion(ProMotionConfig.paper()), (1, 5, 3, 256, 256),
                          extra_inputs={"priors": (1, 3, 5, 256, 256), "blur": (1, 5)})
    ed = model_complexity(lambda: EDVR(EDVRConfig.paper()), (1, 5, 3, 256, 256))
    assert pm["params"] == 23_602_019 + 53 * 2184 + 6320           # EDVR + CA in 53 blocks + Table 1 encoder
    assert abs(pm["params"] / 23.72e6 - 1) < 0.01
    assert abs(pm["gmac"] / (ed["gmac"] * 1.0012) - 1) < 0.01       # EDVR's count plus the paper's +0.12 %


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
