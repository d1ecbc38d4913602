"Fast checks of deblur_nb.models.david and deblur_nb.recipes.david beyond the notebooks' own."
import pytest
import torch

from deblur_nb.models.david import DAVID, DAVIDConfig, david_loss


def test_samples_are_independent():
    # no batch statistics anywhere: a sample's output must not depend on the others in its batch
    torch.manual_seed(0)
    net = DAVID(DAVIDConfig.tiny()).eval()
    x = torch.rand(3, 7, 3, 32, 32)
    with torch.no_grad():
        full = net(x)
        alone = net(x[1:2])
    for k in full:
        torch.testing.assert_close(full[k][1:2], alone[k], rtol=1e-5, atol=1e-6)


def test_parameter_names_the_recipe_relies_on():
    # the training phases freeze by these prefixes; renaming a submodule would silently change the recipe
    net = DAVID(DAVIDConfig.tiny())
    tops = {".".join(n.split(".")[:4]) if n.startswith("internal") else n.split(".")[0] for n, _ in net.named_parameters()}
    want = {f"internal.{j}.backbones.{i}" for j in range(3) for i in range(4)}
    want |= {f"internal.{j}.attention.net" for j in range(3)} | {"external"}
    assert tops == want


def test_sigmoid_weights_lie_in_the_unit_interval():
    torch.manual_seed(0)
    net = DAVID(DAVIDConfig.tiny(attention_norm="sigmoid")).eval()
    with torch.no_grad(): o = net(torch.rand(1, 7, 3, 32, 32))
    for k in ("attn_internal", "attn_external"):
        assert 0 < o[k].min() and o[k].max() < 1
    # not normalised: the weights need not sum to one
    assert not torch.allclose(o["attn_external"].sum(1), torch.ones(1, 32, 32), atol=1e-3)


def test_paper_relu_config_builds_and_runs_small():
    # the paper's activation with small widths: shapes and a finite loss
    torch.manual_seed(0)
    net = DAVID(DAVIDConfig.tiny(act="relu"))
    x, gt = torch.rand(1, 7, 3, 32, 32), torch.rand(1, 3, 32, 32)
    terms = david_loss(net(x), {"gt": gt})
    assert all(torch.isfinite(v) for v in terms.values())


@pytest.fixture(scope="module")
def cdvd_root(tmp_path_factory):
    data = pytest.importorskip("deblur_nb.data")
    return data.build_synthetic(tmp_path_factory.mktemp("data"), "cdvd", "smoke")


class _StopAt:
    def __init__(self, step): self.step = step
    def __getattr__(self, name): return lambda *a, **k: None
    def on_step_end(self, learner, logs):
        if learner.step == self.step: learner.request_stop()


def test_resume_in_the_middle_of_a_phase_is_exact(cdvd_root, tmp_path):
    # david_forward reads the phase off the trainable flags, which the resumed learner restores: the resumed run
    # must route like the uninterrupted one and end with the same weights
    recipes = pytest.importorskip("deblur_nb.recipes.david")
    rec = lambda: recipes.recipe("smoke", cdvd_root, variant="internal", level=7)
    full = rec().learner(tmp_path / "full", device="cpu", progress=False).fit()
    rec().learner(tmp_path / "cut", device="cpu", progress=False, callbacks=[_StopAt(3)]).fit()
    cut = rec().learner(tmp_path / "cut", device="cpu", progress=False).fit(resume=True)
    assert [p.name for p in full.phases] == ["1_backbones_cdvd7", "2_attention_cdvd7", "2_internal_cdvd7"]
    for (n, a), (_, b) in zip(full.model.state_dict().items(), cut.model.state_dict().items()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=n)


def test_external_variant_trains_without_internal_attention(cdvd_root, tmp_path):
    # "External Att" of Table 3: single backbones fused by the external branch; phase 3b does not exist
    recipes = pytest.importorskip("deblur_nb.recipes.david")
    r = recipes.recipe("smoke", cdvd_root, variant="external", lengths={k: 1 for k in recipes.STAGES})
    assert [p.name for p in r.phases] == ["1_backbones_cdvd3", "1_backbones_cdvd7", "1_backbones_cdvd11",
                                          "3_external", "3_all"]
    lrn = r.learner(tmp_path / "ext", device="cpu", progress=False).fit()
    assert "attn_internal" not in lrn.model(torch.rand(1, 7, 3, 32, 32))


# ---- sizes from a formula over the layer widths (issue 12: not from the classes under test) -----------------------
def _unet_params(cin: int, cout: int, ch: tuple, pool_last: bool = True) -> int:
    """Parameters of the U-Net of the DAVID notebook, by hand: 3x3 convs with bias (`9 * a * b + b`); encoder block k:
    conv(prev, c_k), conv(c_k, c_k); decoder block k (bottom first; none at the bottom scale when the last encoder
    block is not pooled): conv(up + c_k, c_k) then conv(c_k, c_k), except at full scale where the second conv is the
    last one, conv(c_0 + cin, cout) (the input skip of "Conv20")."""
    c3 = lambda a, b: 9 * a * b + b
    p, prev = 0, cin
    for c in ch: p, prev = p + c3(prev, c) + c3(c, c), c
    below = ch[-1]
    for k in reversed(range(len(ch))):
        if k == len(ch) - 1 and not pool_last: continue
        p += c3(below + ch[k], ch[k]) + (c3(ch[k], ch[k]) if k > 0 else 0)
        below = ch[k]
    return p + c3(ch[0] + cin, cout)


def _david_params(frames=(1, 3, 5, 7), levels=(3, 7, 11), bb=(32, 64, 128, 256, 512), att=(32, 64, 128)) -> int:
    "M internal modules of N backbones (3 x frames in, RGB out) + an N-way branch each, + an M-way external branch."
    T = 3 * max(frames)                                   # the attention branches read all 2N - 1 frames
    internal = sum(_unet_params(3 * f, 3, bb) for f in frames) + _unet_params(T, len(frames), att, pool_last=False)
    return len(levels) * internal + _unet_params(T, len(levels), att, pool_last=False)


def test_unet_formula_on_a_case_counted_by_hand():
    # channels (4, 8), 3 -> 2: 3->4, 4->4 | 4->8, 8->8 | (8+8)->8, 8->8 | (8+4)->4 | (4+3)->2
    assert _unet_params(3, 2, (4, 8)) == 112 + 148 + 296 + 584 + 1160 + 584 + 436 + 128


def test_david_parameter_counts_follow_the_layer_widths():
    from deblur_nb.models.david import DAVID, DAVIDConfig, complexity
    paper = DAVIDConfig.paper()
    # the paper's layout, written out (not read back from DAVIDConfig's defaults)
    assert (paper.frames, paper.levels, paper.backbone_channels, paper.attention_channels) == \
        ((1, 3, 5, 7), (3, 7, 11), (32, 64, 128, 256, 512), (32, 64, 128))
    assert (paper.internal_attention, paper.external_attention, paper.input_skip, paper.residual, paper.act) == \
        (True, True, True, False, "relu")
    assert complexity(paper)["params"] == _david_params()
    tiny = DAVIDConfig.tiny()
    n = lambda cfg: sum(p.numel() for p in DAVID(cfg).parameters())
    w = dict(bb=tiny.backbone_channels, att=tiny.attention_channels)
    assert n(tiny) == _david_params(tiny.frames, tiny.levels, **w)
    assert n(tiny.variant("single")) == _unet_params(21, 3, tiny.backbone_channels)
    assert n(tiny.variant("internal")) == (sum(_unet_params(3 * f, 3, tiny.backbone_channels) for f in tiny.frames)
                                           + _unet_params(21, len(tiny.frames), tiny.attention_channels, pool_last=False))
    assert n(tiny.variant("external")) == (len(tiny.levels) * _unet_params(21, 3, tiny.backbone_channels)
                                           + _unet_params(21, len(tiny.levels), tiny.attention_channels, pool_last=False))
