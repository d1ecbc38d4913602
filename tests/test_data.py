"Fast checks of deblur_nb.data outside the notebook: readers on freshly built sets, masks, windows, errors."
import json

import numpy as np
import pytest
import torch

from deblur_nb.core import read_image, write_image
from deblur_nb.data import (EpochDataLoader, PairedImageDataset, boxes_to_mask, build_synthetic, read_datasheet,
                            read_faces, read_hide, window_indices)


def test_boxes_to_mask_pixel_centres():
    m = boxes_to_mask([[0.4, 0.6, 2.5, 2.4]], 4, 4)   # x centres 0.5, 1.5 inside (2.5 not); y centre 1.5 only
    expected = np.zeros((4, 4), np.float32); expected[1, 0:2] = 1
    np.testing.assert_array_equal(m, expected)


def test_window_indices_borders():
    assert window_indices(1, 5, 6) == [1, 0, 1, 2, 3]
    assert window_indices(5, 5, 6, "replicate") == [3, 4, 5, 5, 5]
    with pytest.raises(ValueError, match="border must be one of"): window_indices(0, 3, 4, "wrap")


def test_faces_build_read_and_cache(tmp_path):
    root = build_synthetic(tmp_path, "faces", "smoke", seed=3)
    assert root.name == "Faces" and read_datasheet(root)["seed"] == 3
    seqs = read_faces(root, "train")
    assert seqs and all(len(s.lq) == len(s.gt) and s.gt[0].name == s.lq[0].name for s in seqs)
    lq = read_image(seqs[0].lq[0]); gt = read_image(seqs[0].gt[0])
    assert lq.shape == gt.shape and 0 <= lq.min() and lq.max() <= 1 and np.abs(lq - gt).mean() > 1e-3
    assert build_synthetic(tmp_path, "faces", "smoke", seed=3) == root       # cached
    (tmp_path/"faces-smoke-seed4").mkdir()
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
