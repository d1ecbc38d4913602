"Leakage: a Recipe refuses evaluation sets that share a source with its training set (issue 12, point 4)."
from pathlib import Path

import numpy as np
import pytest
from torch.utils.data import DataLoader

from deblur_nb.core import write_frames
from deblur_nb.data import VideoDataset, read_reds
from deblur_nb.learner import Recipe
from deblur_nb.recipes import promotion


def _toy_reds(root: Path) -> Path:
    "A REDS tree: train clips 000-021 (REDS4 = 000, 011, 015, 020 among them), val clips 000-001; 3 frames of 32x32."
    rng = np.random.default_rng(0)
    for part, clips in (("train", range(22)), ("val", range(2))):
        for c in clips:
            sharp = [rng.random((32, 32, 3)).astype(np.float32) for _ in range(3)]
            write_frames(root / f"{part}_sharp" / f"{c:03d}", sharp, digits=8)
            write_frames(root / f"{part}_blur" / f"{c:03d}", [s * 0.5 for s in sharp], digits=8)
    return root


def _clip_dirs(ds) -> set:
    "The clip folders of a VideoDataset's sequences, resolved here from the frame paths (not by deblur_nb's sources)."
    return {Path(s.lq[0]).parent.resolve() for s in ds.seqs}


def test_reds4_train_is_scored_on_reds4_not_on_its_own_val_clips(tmp_path):
    root = _toy_reds(tmp_path / "REDS")
    r = promotion.recipe("smoke", root, split="reds4-train", model="edvr")
    train = _clip_dirs(r.train_dl.dataset)
    assert (root / "val_blur" / "000").resolve() in train          # reds4-train holds REDS's val clips ...
    for name, ds in r.eval_sets.items():                             # ... so none of them may be an evaluation clip
        assert not train & _clip_dirs(ds), f"{name} evaluates on training clips {sorted(train & _clip_dirs(ds))}"
    assert set(r.eval_sets) == {"reds4"}
    assert {p.name for p in _clip_dirs(r.eval_sets["reds4"])} == {"000", "011", "015", "020"}


def test_recipe_refuses_overlapping_sources_and_names_the_items(tmp_path):
    root = _toy_reds(tmp_path / "REDS")
    r = promotion.recipe("smoke", root, split="reds4-train", model="edvr")
    leaky = VideoDataset(read_reds(root, "val"), num_frames=3)       # the old evaluation set of reds4-train
    with pytest.raises(ValueError, match=r"leakage refused.*'reds-val'.*val_blur/000"):
        Recipe(name=r.name, model_name=r.model_name, model=r.model, config=r.config, train_dl=r.train_dl, val_dl=None,
               loss_fn=r.loss_fn, loss_weights=r.loss_weights, phases=r.phases, eval_sets={"reds-val": leaky})
    # a validation set may share no source with the test sets either
    with pytest.raises(ValueError, match=r"'reds4' shares 1 source\(s\) with the validation set"):
        Recipe(name=r.name, model_name=r.model_name, model=r.model, config=r.config, train_dl=r.train_dl,
               val_dl=DataLoader(VideoDataset(read_reds(root, "reds4")[:1], num_frames=3)), loss_fn=r.loss_fn,
               loss_weights=r.loss_weights, phases=r.phases, eval_sets=r.eval_sets)


def test_standard_split_validation_is_disjoint(tmp_path):
    root = _toy_reds(tmp_path / "REDS")
    r = promotion.recipe("smoke", root, split="train", model="edvr", val_every=2, val_clips=1)
    train, val = _clip_dirs(r.train_dl.dataset), _clip_dirs(r.val_dl.dataset)
    assert len(val) == 1 and not train & val
    assert not (train | val) & _clip_dirs(r.eval_sets["reds-val"])
