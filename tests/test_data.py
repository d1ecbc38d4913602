"Fast checks of deblur_nb.data and deblur_nb.embedded outside the notebooks: readers on freshly built sets, masks, windows, errors, disjoint sources."
import json

import numpy as np
import pytest
import torch

from deblur_nb.core import read_image, write_image
from deblur_nb.data import (CDVD_LEVEL_NAMES, HIDE_SPLITS, EpochDataLoader, PairedImageDataset, boxes_to_mask,
                            read_cdvd, read_dvd, read_faces, read_gopro, read_hide, read_reds, window_indices)
from deblur_nb.embedded import BUILD_KINDS, BUILD_VERSION, build_synthetic, read_datasheet
from deblur_nb.metrics import psnr
from deblur_nb.synth import CDVD_LEVELS


def test_boxes_to_mask_pixel_centres():
    m = boxes_to_mask([[0.4, 0.6, 2.5, 2.4]], 4, 4)   # x centres 0.5, 1.5 inside (2.5 not); y centre 1.5 only
    expected = np.zeros((4, 4), np.float32); expected[1, 0:2] = 1
    np.testing.assert_array_equal(m, expected)


def test_window_indices_borders():
    assert window_indices(1, 5, 6) == [1, 0, 1, 2, 3]
    assert window_indices(5, 5, 6, "replicate") == [3, 4, 5, 5, 5]
    with pytest.raises(ValueError, match="border must be one of"): window_indices(0, 3, 4, "wrap")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    "The smoke set of every kind, built once for this file."
    root = tmp_path_factory.mktemp("bench")
    return {k: build_synthetic(root, k, "smoke") for k in BUILD_KINDS}


def _sources_by_split(kind, root):
    "{split name: set of source ids}, the splits as the readers return them, the ids from sources.json."
    src = json.loads((root/"sources.json").read_text())
    ids = lambda keys: {src[k] for k in keys}
    if kind == "gopro": return {s: ids(f"{s}/{q.name}" for q in read_gopro(root, s)) for s in ("train", "test")}
    if kind == "hide": return {s: ids(f"{HIDE_SPLITS[s]}/{p.lq.name}" for p in read_hide(root, s)) for s in HIDE_SPLITS}
    if kind == "dvd":
        out = {s: ids(f"quantitative_datasets/{q.name}" for q in read_dvd(root, s)) for s in ("train", "test")}
        return {**out, "qualitative": ids(f"qualitative_datasets/{q.name}" for q in read_dvd(root, "qualitative"))}
    if kind == "cdvd": return {s: ids(f"C-DVD-7/{q.name}" for q in read_cdvd(root, s, level=7)) for s in ("train", "test")}
    if kind == "reds":
        key = lambda q: f"val_blur/{q.name[4:]}" if q.name.startswith("val/") else f"train_blur/{q.name}"
        return {s: ids(key(q) if s == "reds4-train" else f"{'val' if s == 'val' else 'train'}_blur/{q.name}"
                       for q in read_reds(root, s)) for s in ("train", "val", "reds4", "reds4-train")}
    return {s: ids(f"{s}/{q.name}" for q in read_faces(root, s)) for s in ("train", "val", "test")}


def test_disjoint_sources_every_kind(built):
    "Train, validation and test never share a packaged source, for every kind, by the sources.json of each built set."
    for kind, root in built.items():
        by = _sources_by_split(kind, root)
        assert all(by.values()), (kind, by)
        if kind == "reds":   # two protocols: standard (train | val) and REDS4 (reds4-train | reds4)
            pairs = [("train", "val"), ("reds4-train", "reds4")]
        else: pairs = [(a, b) for a in by for b in by if a < b and {a, b} & {"train", "val"}]   # test sets may share
        for a, b in pairs: assert not by[a] & by[b], (kind, a, b, by[a] & by[b])
    faces = _sources_by_split("faces", built["faces"])
    assert len(faces["test"]) >= 5 and len(faces["train"]) >= 5 and faces["val"]           # identities per split
    hide = _sources_by_split("hide", built["hide"])
    assert hide["test-long-shot"] == {"hide:test-long-shot"} and hide["test-close-ups"] == {"hide:test-close-ups"}


def test_hide_mask_is_people_alpha(built):
    "G (masks/) is where the people are: every box is a person's box of G, and boxes cover G."
    for split in HIDE_SPLITS:
        for p in read_hide(built["hide"], split):
            G = read_image(p.meta["mask"])[..., 0] > 0.5
            assert G.any() and (boxes_to_mask(p.boxes, *G.shape)[G] == 1).all()
            for x0, y0, x1, y1 in p.boxes.astype(int):
                sub = G[y0:y1, x0:x1]
                assert sub.any(0)[0] and sub.any(0)[-1] and sub.any(1)[0] and sub.any(1)[-1]   # tight: G touches all 4 edges
    sheet = read_datasheet(built["hide"])
    assert sheet["fg_cover"]["test-close-ups"]["fg_pixels"] > sheet["fg_cover"]["test-long-shot"]["fg_pixels"]


def test_faces_build_read_and_cache(tmp_path):
    root = build_synthetic(tmp_path, "faces", "smoke", seed=3)
    assert root.name == "Faces" and read_datasheet(root)["seed"] == 3
    seqs = read_faces(root, "train")
    assert seqs and all(len(s.lq) == len(s.gt) and s.gt[0].name == s.lq[0].name for s in seqs)
    lq = read_image(seqs[0].lq[0]); gt = read_image(seqs[0].gt[0])
    assert lq.shape == gt.shape and 0 <= lq.min() and lq.max() <= 1 and np.abs(lq - gt).mean() > 1e-3
    assert build_synthetic(tmp_path, "faces", "smoke", seed=3) == root       # cached
    (tmp_path/f"faces-smoke-seed4-v{BUILD_VERSION}").mkdir()
    with pytest.raises(FileExistsError, match="not a deblur_nb synthetic benchmark"): build_synthetic(tmp_path, "faces", seed=4)


def test_hide_masks_and_loader_determinism(tmp_path):
    root = build_synthetic(tmp_path, "hide", "smoke")
    pairs = read_hide(root, "train")
    assert all(p.boxes is not None and len(p.boxes) for p in pairs)
    ds = PairedImageDataset(pairs, crop=32, augment=True, fg_fraction=0.5, seed=0)
    s = ds[0]
    assert s["lq"].shape == (3, 32, 32) and s["mask"].shape == (1, 32, 32) and s["has_mask"]
    assert set(torch.unique(s["mask"]).tolist()) <= {0.0, 1.0}
    run = lambda: [b["lq"] for b in EpochDataLoader(ds, batch_size=2, shuffle=True, seed=5)]
    assert all(torch.equal(a, b) for a, b in zip(run(), run()))


def test_hide_reader_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="HIDE train folder not found"): read_hide(tmp_path)
    img = np.zeros((8, 8, 3), np.float32)
    write_image(tmp_path/"train"/"a.png", img); write_image(tmp_path/"GT"/"b.png", img)
    with pytest.raises(ValueError, match="no sharp file for 1 blurry file"): read_hide(tmp_path)
    write_image(tmp_path/"GT"/"a.png", img)
    (tmp_path/"boxes").mkdir(); (tmp_path/"boxes"/"train.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a deblur_nb box file"): read_hide(tmp_path)


@pytest.mark.parametrize("kind", ["reds", "cdvd"])
def test_smoke_blur_is_realistic(tmp_path, kind):
    "The blurry-vs-sharp PSNR, recomputed from the written files, is in a realistic range and matches the datasheet."
    root = build_synthetic(tmp_path, kind, "smoke")
    sheet = read_datasheet(root)
    assert sheet["version"] == BUILD_VERSION
    if kind == "reds":
        sets = {s: [p for q in read_reds(root, s) for p in q.pairs()] for s in ("train", "val", "reds4")}
    else:
        sets = {f"{s}/{CDVD_LEVEL_NAMES[lv]}": [p for q in read_cdvd(root, s, level=lv) for p in q.pairs()]
                for s in ("train", "test") for lv in CDVD_LEVEL_NAMES}
    means = {}
    for name, pairs in sets.items():
        v = [float(psnr(read_image(p.lq), read_image(p.gt))) for p in pairs]
        means[name] = np.mean(v)
        assert sheet["blur_psnr"][name]["pairs"] == len(v)
        assert abs(sheet["blur_psnr"][name]["mean"] - means[name]) < 0.006
    if kind == "reds":
        assert all(22 <= m <= 30 for m in means.values()), means
    else:
        for s in ("train", "test"):
            assert 22 <= means[f"{s}/mixed"] <= 30, means
            m = [means[f"{s}/{CDVD_LEVEL_NAMES[lv]}"] for lv in CDVD_LEVELS]
            assert all(a > b for a, b in zip(m, m[1:])), m          # more frames averaged, more blur


def test_old_builds_are_not_reused(tmp_path):
    "A set of an older builder version (other folder name) is ignored and left untouched; a stale datasheet is refused."
    old = tmp_path/"faces-smoke-seed0"
    (old/"Faces").mkdir(parents=True)
    (old/"datasheet.json").write_text(json.dumps({"kind": "faces", "preset": "smoke", "seed": 0, "version": 1}))
    root = build_synthetic(tmp_path, "faces", "smoke")
    assert root.parent.name == f"faces-smoke-seed0-v{BUILD_VERSION}" and read_datasheet(root)["version"] == BUILD_VERSION
    assert sorted(p.name for p in old.iterdir()) == ["Faces", "datasheet.json"]
    stale = tmp_path/f"faces-smoke-seed1-v{BUILD_VERSION}"
    stale.mkdir(); (stale/"datasheet.json").write_text(json.dumps({"kind": "faces", "preset": "smoke", "seed": 1, "version": 1}))
    with pytest.raises(FileExistsError, match="builder version 1"): build_synthetic(tmp_path, "faces", "smoke", seed=1)
