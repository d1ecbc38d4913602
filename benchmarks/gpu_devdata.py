"""Trimmed copy of the embedded cpu benchmark (builder v3, seed 0) for benchmarks/gpu_check.py on a GPU machine.

    python benchmarks/gpu_devdata.py ~/.cache/deblur_nb .devdata     # SRC (built *-cpu-seed0-v3 folders) -> DST

Keeps a few sequences/images per split (enough for each paper preset's batch) and, for the sets whose paper crop
(256) exceeds the 128x192 embedded frames (HIDE + GoPro for HIDE, REDS for EDVR/PRO-MOTION), upsamples every frame
x2 to 256x384 (masks nearest, boxes scaled). Throughput data only: not the benchmark's content, never for scores.
The datasheet keeps kind/preset/seed/version (what build_synthetic checks) and records the trimming under "trimmed".
"""
import json, shutil, sys
from pathlib import Path
import cv2, numpy as np

SRC, DST = Path(sys.argv[1]), Path(sys.argv[2])
V = "cpu-seed0-v3"

def img(src: Path, dst: Path, scale: int = 1, nearest: bool = False):
    dst.parent.mkdir(parents=True, exist_ok=True)
    if scale == 1: shutil.copy2(src, dst); return
    a = cv2.imread(str(src), cv2.IMREAD_UNCHANGED)
    a = cv2.resize(a, (a.shape[1] * scale, a.shape[0] * scale),
                   interpolation=cv2.INTER_NEAREST if nearest else cv2.INTER_CUBIC)
    cv2.imwrite(str(dst), a, [cv2.IMWRITE_PNG_COMPRESSION, 9])

def sheet(kind, layout, note, scale):
    d = json.loads((SRC / f"{kind}-{V}" / "datasheet.json").read_text())
    d["trimmed"] = {"by": ".devdata/make_devdata.py", "kept": note, "upsampled": scale,
                    "purpose": "benchmarks/gpu_check.py throughput only; not the benchmark, never for scores"}
    d.pop("items", None)
    out = DST / f"{kind}-{V}"
    (out / layout).mkdir(parents=True, exist_ok=True)
    (out / "datasheet.json").write_text(json.dumps(d, indent=1))
    shutil.copy2(SRC / f"{kind}-{V}" / layout / "sources.json", out / layout / "sources.json")
    return SRC / f"{kind}-{V}" / layout, out / layout

def seqs(s: Path, o: Path, split: str, names, frame_dirs, n_frames=None, scale=1, extra=()):
    for n in names:
        for fd in frame_dirs:
            for f in sorted((s / split / n / fd).iterdir())[:n_frames]: img(f, o / split / n / fd / f.name, scale)
        for e in extra:
            if (s / split / n / e).exists(): shutil.copy2(s / split / n / e, o / split / n / e)

if DST.exists():
    for d in DST.glob(f"*-{V}"): shutil.rmtree(d)

# HIDE (for the HIDE preset), x2: 12 train images (2 sources), 2 images per test split; boxes scaled, masks nearest
s, o = sheet("hide", "HIDE_dataset", "train 12 images, test-long-shot 2, test-close-ups 2", 2)
keep = {"train": sorted(p.name for p in (s / "train").iterdir())[:12],
        "test-long-shot": sorted(p.name for p in (s / "test/test-long-shot").iterdir())[:2],
        "test-close-ups": sorted(p.name for p in (s / "test/test-close-ups").iterdir())[:2]}
for split, names in keep.items():
    sub = "train" if split == "train" else f"test/{split}"
    for n in names:
        img(s / sub / n, o / sub / n, 2); img(s / "GT" / n, o / "GT" / n, 2)
        if (s / "masks" / n).exists(): img(s / "masks" / n, o / "masks" / n, 2, nearest=True)
    b = json.loads((s / "boxes" / f"{split}.json").read_text())
    b["images"] = {n: {**e, "size": [v * 2 for v in e["size"]], "boxes": [[v * 2 for v in r] for r in e["boxes"]]}
                   for n, e in b["images"].items() if n in names}
    (o / "boxes").mkdir(exist_ok=True); (o / "boxes" / f"{split}.json").write_text(json.dumps(b, indent=1))

# GoPro (the HIDE preset's BG-only part), x2: 2 train sequences x 4 frames, 1 test sequence x 2 frames ('blur' only)
s, o = sheet("gopro", "GOPRO_Large", "train 2 sequences x 4 frames, test 1 x 2, blur + sharp only", 2)
seqs(s, o, "train", ["bikes_00", "carphone_pristine_00"], ("blur", "sharp"), 4, 2)
seqs(s, o, "test", ["bigbuckbunny_00"], ("blur", "sharp"), 2, 2)

# REDS (EDVR, PRO-MOTION), x2: 2 train clips x 8 frames, 1 val clip x 5 frames
s, o = sheet("reds", "REDS", "train 2 clips x 8 frames, val 1 clip x 5 frames", 2)
for part, clips, nf in (("train", ["001", "002"], 8), ("val", [sorted(p.name for p in (s / "val_blur").iterdir())[0]], 5)):
    for c in clips:
        for kind in ("blur", "sharp"):
            for f in sorted((s / f"{part}_{kind}" / c).iterdir())[:nf]: img(f, o / f"{part}_{kind}" / c / f.name, 2)

# Challenging DVD (DAVID; paper crop 128 fits 128x192): 2 train videos and 1 test video at levels 3, 7, 11, mixed
s, o = sheet("cdvd", "Challenging_DVD", "levels 3/7/11/mixed: train bikes_00, carphone_pristine_00; test bigbuckbunny_00", 1)
(o / "splits.json").write_text(json.dumps({"test": ["bigbuckbunny_00"]}, indent=1))
for lv in ("C-DVD-3", "C-DVD-7", "C-DVD-11", "mixed"):
    names = ["bikes_00", "carphone_pristine_00"] + (["bigbuckbunny_00"] if lv == "mixed" else [])
    for n in names:
        for fd in ("input", "GT"):
            for f in sorted((s / lv / n / fd).iterdir()): img(f, o / lv / n / fd / f.name)
        if (s / lv / n / "levels.json").exists(): shutil.copy2(s / lv / n / "levels.json", o / lv / n / "levels.json")

# Faces (face preset; crops of 128 from 128x128 frames): 4 train sequences, 1 test sequence
s, o = sheet("faces", "Faces", "train 4 sequences, test 1", 1)
tr = sorted(p.name for p in (s / "train").iterdir())
seqs(s, o, "train", tr[:2] + tr[-2:], ("blur", "sharp"), None, 1, ("landmarks.json", "kernels.npz"))
seqs(s, o, "test", sorted(p.name for p in (s / "test").iterdir())[:1], ("blur", "sharp"), None, 1,
     ("landmarks.json", "kernels.npz"))
print("wrote", DST)
