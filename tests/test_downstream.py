"Fast checks of deblur_nb.downstream beyond the notebook tests (CPU, a few seconds)."
import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error

from deblur_nb.downstream import (DlibFaceLandmarks, check_keypoints, downstream_errors, downstream_table,
                                  errors_table, estimate_keypoints, keypoint_errors, keypoint_scale)
from deblur_nb.faces import landmark_nme

REF = np.array([[10.0, 20.0], [40.0, 20.0], [10.0, 60.0], [40.0, 60.0], [25.0, 40.0]])  # 30 x 40 box


def frame(code: int) -> np.ndarray:
    "A tiny frame carrying an integer code in pixel (0, 0), read back by `coded_estimator`."
    f = np.zeros((6, 7, 3), np.float32)
    f[0, 0, 0] = code / 100
    return f


OFFSETS = {0: (0.0, 0.0), 1: (3.0, 4.0), 2: (-1.0, 2.0), 3: (5.0, -12.0)}


def coded_estimator(f):
    "REF moved by OFFSETS[code]; code 99 -> nothing found; code 4 -> point 0 alone moved by (6, 8)."
    c = int(round(float(f[0, 0, 0]) * 100))
    if c == 99:
        return None
    if c == 4:
        p = REF.copy(); p[0] += (6.0, 8.0); return p
    return REF + np.array(OFFSETS[c])


def sk_errors(pred, ref):
    return np.sqrt(mean_squared_error(ref.ravel(), pred.ravel())), mean_absolute_error(ref.ravel(), pred.ravel())


def test_per_frame_errors_match_sklearn_and_hand_values():
    codes = [1, 2, 3, 4]
    res = keypoint_errors(coded_estimator, [frame(0)] * 4, [frame(c) for c in codes])
    for i, c in enumerate(codes):
        exp = sk_errors(coded_estimator(frame(c)), REF)
        assert res.rmse[i] == pytest.approx(exp[0], abs=1e-12)
        assert res.abse[i] == pytest.approx(exp[1], abs=1e-12)
    # by hand: (3, 4) -> sqrt(12.5), 3.5; (-1, 2) -> sqrt(2.5), 1.5; (5, -12) -> sqrt(84.5), 8.5;
    # one of 5 points moved by (6, 8) -> sqrt(100 / 10) = sqrt(10), 14 / 10 = 1.4, mean distance 10 / 5 = 2
    np.testing.assert_allclose(res.rmse, np.sqrt([12.5, 2.5, 84.5, 10.0]), atol=1e-12)
    np.testing.assert_allclose(res.abse, [3.5, 1.5, 8.5, 1.4], atol=1e-12)
    np.testing.assert_allclose(res.mean_dist, [5.0, np.sqrt(5), 13.0, 2.0], atol=1e-12)
    s = res.summary()
    assert s["RMSE"] == pytest.approx(np.sqrt([12.5, 2.5, 84.5, 10.0]).mean())
    assert s["ABSE"] == pytest.approx((3.5 + 1.5 + 8.5 + 1.4) / 4)
    assert (s["failures"], s["scored"], s["n_frames"]) == (0, 4, 4)


def test_failures_and_missing_references_are_counted_not_dropped():
    res = keypoint_errors(coded_estimator, None, [frame(1), frame(99), frame(99), frame(2)],
                          reference=[REF, REF, None, None])
    assert res.status == ["ok", "failed", "no reference", "no reference"]
    assert (res.failures, res.ref_failures, res.n_frames) == (1, 2, 4)
    assert np.isnan(res.rmse[1:]).all()
    s = res.summary()
    assert (s["failures"], s["scored"]) == (1, 1)
    assert s["RMSE"] == pytest.approx(np.sqrt(12.5))
    df = res.to_frame()
    assert df["status"].tolist() == res.status and len(df) == 4


def test_reference_from_sharp_frames_can_fail_too():
    res = keypoint_errors(coded_estimator, [frame(99), frame(0)], [frame(1), frame(1)])
    assert res.status == ["no reference", "ok"] and res.ref_failures == 1


def test_normalisers():
    assert keypoint_scale(REF, None) == 1.0
    assert keypoint_scale(REF, "bbox") == pytest.approx(np.sqrt(30 * 40))
    res = keypoint_errors(coded_estimator, [frame(0)], [frame(1)], normalise="bbox")
    assert res.rmse[0] == pytest.approx(np.sqrt(12.5) / np.sqrt(1200))
    assert res.abse[0] == pytest.approx(3.5 / np.sqrt(1200))
    with pytest.raises(ValueError, match="needs the 68 iBUG"):
        keypoint_errors(coded_estimator, [frame(0)], [frame(1)], normalise="interocular")
    with pytest.raises(ValueError, match="`normalise` must be one of"):
        keypoint_errors(coded_estimator, [frame(0)], [frame(1)], normalise="pixels")


def test_interocular_mean_dist_is_the_face_nme():
    rng = np.random.default_rng(3)
    ref = rng.uniform(30, 90, (68, 2)); ref[36], ref[45] = (40, 50), (80, 50)  # inter-ocular distance 40
    pred = ref + rng.normal(0, 1.5, ref.shape)
    res = keypoint_errors(lambda f: pred, None, [frame(0)], reference=ref[None], normalise="interocular")
    assert res.scale[0] == pytest.approx(40.0)
    assert res.mean_dist[0] == pytest.approx(landmark_nme(pred.astype(np.float32), ref.astype(np.float32)), abs=1e-5)
    assert res.rmse[0] == pytest.approx(np.sqrt(np.mean((pred - ref) ** 2)) / 40)


def test_table_rows_common_frames_and_deltas():
    sharp = [frame(0)] * 3
    variants = {"blurred": [frame(3), frame(99), frame(3)], "deblurred": [frame(1), frame(1), frame(2)]}
    t = downstream_table(coded_estimator, sharp, variants, baseline="blurred")
    assert list(t.index) == ["blurred", "deblurred"]
    assert t.loc["blurred", "RMSE"] == pytest.approx(np.sqrt(84.5))
    assert t.loc["deblurred", "RMSE"] == pytest.approx((2 * np.sqrt(12.5) + np.sqrt(2.5)) / 3)
    assert t["failures"].tolist() == [1, 0] and t["scored"].tolist() == [2, 3]
    assert t.loc["deblurred", "ΔABSE"] == pytest.approx(8.5 - (3.5 + 3.5 + 1.5) / 3)
    tc = downstream_table(coded_estimator, sharp, variants, baseline="blurred", common=True)
    assert tc["scored"].tolist() == [2, 2] and tc["failures"].tolist() == [1, 0]
    assert tc.loc["deblurred", "ABSE"] == pytest.approx((3.5 + 1.5) / 2)
    assert t.attrs["ref_failures"] == 0 and t.attrs["reference"] == "estimator on the sharp frames"
    # the same through the two-step API, with given references as an (N, K, 2) array
    errs = downstream_errors(coded_estimator, None, variants, reference=np.stack([REF] * 3))
    np.testing.assert_allclose(errors_table(errs)["RMSE"], t["RMSE"])


def test_bad_inputs_name_the_problem():
    with pytest.raises(ValueError, match="non-finite"):
        check_keypoints([[np.nan, 0.0]])
    with pytest.raises(ValueError, match="`frames` frame 0 must be a \\(K, 2\\)"):
        estimate_keypoints(lambda f: np.zeros((3, 3)), [frame(0)])
    with pytest.raises(ValueError, match="expected 5"):
        keypoint_errors(lambda f: REF[:4], None, [frame(0)], reference=[REF])
    with pytest.raises(ValueError, match="has 1 frames, the reference 2"):
        keypoint_errors(coded_estimator, [frame(0)] * 2, [frame(0)])
    with pytest.raises(ValueError, match="exactly one of"):
        keypoint_errors(coded_estimator, None, [frame(0)])
    with pytest.raises(ValueError, match="variants\\['x'\\]"):
        downstream_table(coded_estimator, [frame(0)] * 2, {"x": [frame(0)]})
    with pytest.raises(ValueError, match="non-empty dict"):
        downstream_table(coded_estimator, [frame(0)], {})
    with pytest.raises(TypeError, match="`estimator` must be callable"):
        estimate_keypoints(None, [frame(0)])


def test_dlib_estimator_on_a_real_face_and_on_nothing():
    import skimage.data
    img = skimage.data.astronaut().astype(np.float32) / 255  # 512 x 512, face about 90 px: no up-sampling needed
    est = DlibFaceLandmarks(upsample=0)
    kp = est(img)
    assert kp.shape == (68, 2) and kp.dtype == np.float64
    # the astronaut's face lies in the upper middle of the picture, about x 175-270, y 75-175
    assert (kp[:, 0] > 150).all() and (kp[:, 0] < 300).all() and (kp[:, 1] > 50).all() and (kp[:, 1] < 200).all()
    assert est(np.full((120, 120, 3), 0.5, np.float32)) is None
