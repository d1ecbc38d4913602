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
