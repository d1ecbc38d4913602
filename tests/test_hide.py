"Fast checks of deblur_nb.models.hide beyond the notebook's: batch independence, training signal, freezing."
import pytest
import torch

from deblur_nb.models.hide import HIDEConfig, HIDENet, hide_loss, HIDE_LOSS_WEIGHTS


def _batch(b=2, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    gt = torch.rand(b, 3, size, size, generator=g)
    lq = (gt + torch.roll(gt, 2, -1) + torch.roll(gt, -2, -1)) / 3   # a horizontal box blur
    mask = torch.zeros(b, 1, size, size); mask[:, :, 4:12, 5:11] = 1
    return {"lq": lq, "gt": gt, "mask": mask, "has_mask": torch.tensor([True] + [False] * (b - 1))}


def _total(out, batch, weights=HIDE_LOSS_WEIGHTS):
    return sum(weights[k] * v for k, v in hide_loss(out, batch).items())


def test_samples_are_independent():
    # no batch statistics anywhere: a sample's output must not depend on the others in its batch
    torch.manual_seed(0)
    net = HIDENet(HIDEConfig.tiny()).eval()
    x = torch.rand(3, 3, 16, 16)
    with torch.no_grad():
        full = net(x)["out"]
        alone = net(x[1:2])["out"]
    torch.testing.assert_close(full[1:2], alone, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw", [{}, {"use_attention": False}, {"num_scales": 1}, {"branches": ("bg",)}])
def test_a_few_adam_steps_reduce_the_loss(kw):
    torch.manual_seed(0)
    net = HIDENet(HIDEConfig.tiny(**kw))
    batch = _batch()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    with torch.no_grad(): first = float(_total(net(batch["lq"]), batch))
    for _ in range(15):
        opt.zero_grad()
        _total(net(batch["lq"]), batch).backward()
        opt.step()
    with torch.no_grad(): last = float(_total(net(batch["lq"]), batch))
    assert last < 0.8 * first, (first, last)


def test_attention_pretraining_touches_only_the_attention():
    # the recipe's first phase: only `attention.*` trainable, only L_A weighted
    torch.manual_seed(0)
    net = HIDENet(HIDEConfig.tiny())
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    for n, p in net.named_parameters(): p.requires_grad_(n.startswith("attention."))
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-2)
    batch = _batch()
    w = {"attn": 1.0, "pri": 0.0, "fg": 0.0, "bg": 0.0}
    losses = []
    for _ in range(10):
        opt.zero_grad()
        loss = _total(net(batch["lq"]), batch, w)
        loss.backward(); opt.step(); losses.append(loss.item())
    assert losses[-1] < losses[0]
    for n, p in net.named_parameters():
        changed = not torch.equal(p, before[n])
        assert changed == n.startswith("attention."), n


def test_without_mask_only_the_bg_decoder_is_supervised():
    # a GoPro-like batch (has_mask False everywhere): no gradient reaches the primary or FG decoders. Single scale:
    # with several scales the BG output of a finer scale depends on the coarser primary output (its input guide)
    torch.manual_seed(0)
    net = HIDENet(HIDEConfig.tiny(num_scales=1))
    batch = _batch(b=2); batch["has_mask"] = torch.tensor([False, False])
    _total(net(batch["lq"]), batch).backward()
    for n, p in net.named_parameters():
        g = 0.0 if p.grad is None else float(p.grad.abs().sum())
        if n.startswith(("decoder.pri.", "decoder.side.fg.", "decoder.compress.")):
            assert g == 0.0, n
        if n.startswith("decoder.side.bg."):
            assert g > 0.0, n


def test_recipe_follows_the_recipes_contract():
    # CONTRIBUTING.md "Recipes": recipe(preset="smoke", data_root=None, *, seed=0, config=None, **overrides) -> Recipe
    import inspect
    from deblur_nb.recipes.hide import recipe
    sig = inspect.signature(recipe)
    ps = sig.parameters
    assert list(ps)[:2] == ["preset", "data_root"]
    assert (ps["preset"].default, ps["data_root"].default) == ("smoke", None)
    for name, default in (("seed", 0), ("config", None)):
        assert ps[name].kind is inspect.Parameter.KEYWORD_ONLY and ps[name].default == default, name
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in ps.values())
    assert "out_dir" not in ps                       # the Learner-returning form is gone
    with pytest.raises(ValueError, match="preset must be one of"):
        recipe("laptop")
    with pytest.raises(ValueError, match="unknown override"):
        recipe("smoke", steps=3)
