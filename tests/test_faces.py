"Fast checks of deblur_nb.faces and deblur_nb.models.face beyond the notebook tests (CPU, a few seconds)."
import json

import numpy as np
import pytest
import torch

from deblur_nb.faces import (FaceBlurDataset, FitClassifier, PatchFeatureParams, box_iou, crop_face, deblur_faces,
                             feather_window, landmark_nme, paste_face, perturb_shape, simulate_motion_blur)
from deblur_nb.models.face import FaceConfig, FaceDeblurNet, face_loss


def _shape(x0=40.0, y0=30.0, ext=30.0):
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, ext, (68, 2)).astype(np.float32) + [x0, y0]
    pts[0], pts[1] = (x0, y0), (x0 + ext, y0 + ext)  # fixes the bounding box
    pts[36], pts[45] = (x0 + 5, y0 + 10), (x0 + 25, y0 + 10)
    return pts


def test_box_iou_hand_values():
    assert box_iou((0, 0, 4, 4), (2, 0, 6, 4)) == pytest.approx(8 / 24)
    assert box_iou((0, 0, 4, 4), (0, 0, 4, 4)) == pytest.approx(1.0)
    assert box_iou((0, 0, 4, 4), (1, 1, 3, 3)) == pytest.approx(4 / 16)


def test_crop_maps_landmark_box_to_centre():
    img = np.random.default_rng(1).random((120, 140, 3)).astype(np.float32)
    pts = _shape()
    crop, M = crop_face(img, pts, size=40, face_frac=0.5)
    q = pts @ M[:, :2].T + M[:, 2]
    assert crop.shape == (40, 40, 3)
    assert q.min(0) == pytest.approx([9.5, 9.5], abs=1e-4)  # box side 0.5 * 40 = 20, centred at (40 - 1) / 2
    assert (q.max(0) - q.min(0)).max() == pytest.approx(20.0, abs=1e-4)


def test_paste_outside_crop_untouched():
    img = np.full((80, 80, 3), 0.25, np.float32)
    crop, M = crop_face(img, _shape(20, 20, 20), size=32)
    out = paste_face(img, np.ones_like(crop), M, feather=0.2)
    assert np.array_equal(out[:5], img[:5])
    assert out.max() <= 1.0 and out.min() >= 0.25


def test_feather_window_symmetric_and_bounded():
    w = feather_window(21, 0.2)
    assert np.allclose(w, w.T) and np.allclose(w, w[::-1]) and w.max() == pytest.approx(1.0) and w.min() > 0


def test_nme_is_scale_invariant():
    ref = _shape()
    pred = ref + 2.0
    assert landmark_nme(pred * 3, ref * 3) == pytest.approx(landmark_nme(pred, ref), rel=1e-6)
    assert landmark_nme(pred, ref) == pytest.approx(np.sqrt(8) / 20.0, rel=1e-6)


def test_perturbed_shape_is_far():
    ref = _shape()
    rng = np.random.default_rng(3)
    for _ in range(20):
        assert np.abs(perturb_shape(ref, rng) - ref).mean() > 0.5


def test_classifier_load_errors(tmp_path):
    n = 68 * 4 * 9
    c = FitClassifier(np.zeros(n, np.float32), 0.5, PatchFeatureParams())
    p = c.save(tmp_path / "c.npz")
    assert FitClassifier.load(p).bias == 0.5
    with pytest.raises(FileExistsError):
        c.save(p)
    with pytest.raises(ValueError, match="must end in .npz"):
        c.save(tmp_path / "c.pkl")
    np.savez(tmp_path / "wrong.npz", weights=np.zeros(5, np.float32),
             meta=np.array(json.dumps({"bias": 0, "params": PatchFeatureParams().__dict__})))
    with pytest.raises(ValueError, match="expected"):
        FitClassifier.load(tmp_path / "wrong.npz")
    with pytest.raises(FileNotFoundError):
        FitClassifier.load(tmp_path / "none.npz")


def test_no_face_warns_and_returns_input():
    img = np.random.default_rng(0).random((48, 48, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match="no face found"):
        r = deblur_faces(img, FaceDeblurNet(FaceConfig.tiny()))
    assert np.array_equal(r.image, img) and len(r.boxes) == 0


def test_dataset_deterministic_per_item_and_epoch():
    faces = np.random.default_rng(0).random((3, 24, 24, 3)).astype(np.float32)
    a, b = FaceBlurDataset(faces, seed=1), FaceBlurDataset(faces, seed=1)
    assert torch.equal(a[2]["lq"], b[2]["lq"])
    assert not torch.equal(a[1]["lq"], FaceBlurDataset(faces, seed=2)[1]["lq"])


def test_motion_blur_rejects_too_few_frames():
    with pytest.raises(ValueError, match="fewer than n_avg"):
        simulate_motion_blur(np.zeros((5, 16, 16, 3), np.float32), n_avg=7)


def test_model_config_json_round_trip_and_eval_mode():
    cfg = FaceConfig.cpu()
    back = FaceConfig(**json.loads(json.dumps(cfg.to_dict())))
    assert back == cfg
    net = FaceDeblurNet(back).eval()
    x = torch.rand(1, 3, 20, 20)
    with torch.no_grad():
        y1, y2 = net(x), net(x)
    assert torch.equal(y1, y2)  # BN in eval mode: deterministic
    assert face_loss(y1, {"gt": x})["huber"].item() >= 0


# --- the face recipe's packaged training crops (deblur_nb.recipes.face) ---

def test_packaged_crops_hold_out_test_identities_and_are_seeded():
    from deblur_nb.recipes.face import HELD_OUT_SOURCES, packaged_training_crops
    crops, keys = packaged_training_crops(24, seed=3, lfw_per_face=1, n_astronaut=2, n_generic=3)
    assert len(crops) == len(keys) == 105 and len(set(keys)) == 105
    assert all(c.shape == (24, 24, 3) and c.dtype == np.float32 and 0 <= c.min() and c.max() <= 1 for c in crops)
    sources = {k.split("/")[0] for k in keys}
    assert sources == {"lfw_subset", "astronaut", "generic"}
    assert not any(h.split(".")[0] in k for k in keys for h in HELD_OUT_SOURCES)
    again, _ = packaged_training_crops(24, seed=3, lfw_per_face=1, n_astronaut=2, n_generic=3)
    assert all(np.array_equal(a, b) for a, b in zip(crops, again))
    with pytest.raises(ValueError, match="size must be"):
        packaged_training_crops(4)


def test_lfw_crops_are_the_lfw_faces():
    "Each lfw crop is its source face after flip/affine/colour jitter: it correlates best with its own face."
    import cv2
    import skimage.data
    from deblur_nb.recipes.face import packaged_training_crops
    crops, _ = packaged_training_crops(25, seed=0, lfw_per_face=1, n_astronaut=0, n_generic=0)
    faces = skimage.data.lfw_subset()[:100].astype(np.float32)
    z = lambda a: (lambda b: ((b - b.mean()) / b.std()).ravel())(cv2.GaussianBlur(a, (0, 0), 1.5))  # coarse structure
    G = np.stack([z(np.ascontiguousarray(c.mean(2))) for c in crops])
    corr = np.maximum(G @ np.stack([z(f) for f in faces]).T, G @ np.stack([z(np.ascontiguousarray(f[:, ::-1])) for f in faces]).T)
    assert (corr.argmax(1) == np.arange(100)).mean() >= 0.7  # chance: 0.01 (measured: 0.83)


def test_random_patch_same_window_and_epoch():
    from deblur_nb.recipes.face import RandomPatch
    rng = np.random.default_rng(0)

    class Pairs(torch.utils.data.Dataset):
        epoch = 0
        def __len__(self): return 4
        def set_epoch(self, e): self.epoch = e
        def __getitem__(self, i):
            gt = torch.arange(3 * 10 * 12, dtype=torch.float32).reshape(3, 10, 12) + 1000 * i
            return {"lq": gt + 0.5, "gt": gt, "mask": gt[:1] * 0, "key": f"k{i}"}

    base = Pairs()
    rp = RandomPatch(base, 6, seed=1)
    b = rp[2]
    assert b["lq"].shape == (3, 6, 6) and b["mask"].shape == (1, 6, 6) and b["key"] == "k2"
    assert torch.equal(b["lq"], b["gt"] + 0.5)  # the same window of both
    y, x = divmod(int(b["gt"][0, 0, 0].item()) - 2000, 12)
    assert torch.equal(b["gt"], base[2]["gt"][:, y:y + 6, x:x + 6])
    assert torch.equal(rp[2]["gt"], b["gt"])  # deterministic within an epoch
    windows = set()
    for e in range(6):
        rp.set_epoch(e)
        windows.add(int(rp[2]["gt"][0, 0, 0].item()))
    assert base.epoch == 5 and len(windows) > 1  # the epoch reaches the wrapped set; windows change
    with pytest.raises(ValueError, match="larger than"):
        RandomPatch(base, 11)[0]
