"EDVR: the paper configuration's size against SPEC.md, and a tiny forward/backward."
import torch

from deblur_nb.models.edvr import EDVR, EDVRConfig, count_params, model_complexity


def test_paper_params_and_macs():
    c = model_complexity(lambda: EDVR(EDVRConfig.paper()), (1, 5, 3, 256, 256))
    # SPEC.md / PRO-MOTION Table 6: 23.60 M params; 194.5 GMac (FlopCounterMode FLOPs / 2, DCNs not counted)
    assert abs(c["params"] / 23.60e6 - 1) < 0.005, c
    assert abs(c["gmac"] / 194.5 - 1) < 0.01, c
    # 4 DCNs per frame at 64^2, 32^2, 16^2, 64^2 (features at 1/4 of 256), 5 frames, 128 -> 128 channels, 3x3
    assert abs(c["dcn_gmac"] - 5 * 128 * 128 * 9 * (2 * 64**2 + 32**2 + 16**2) / 1e9) < 1e-9


def test_tiny_forward_backward_any_size():
    torch.manual_seed(0)
    m = EDVR(EDVRConfig.tiny())
    x = torch.rand(1, 3, 3, 18, 22)
    y = m(x)
    assert y.shape == (1, 3, 18, 22)
    y.square().mean().backward()
    assert all(p.grad is not None for p in m.parameters())
    # count_params against a count by hand (the same sum-of-numel expression would be a tautology):
    # a 3x3 conv 3 -> 4 with bias and a 1x1 conv 4 -> 2 without: 3*4*9 + 4 + 4*2
    assert count_params(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(4, 2, 1, bias=False))) == 120
