#!/usr/bin/env python3
"""Subset Noto Sans CJK SC (Regular, Bold) to the characters the kiosk must show.

Coverage: ASCII, CJK punctuation, full-width forms, a few symbols, every character of GB2312, the 8,105
characters of the 2013 Table of General Standard Chinese Characters (通用规范汉字表, list in
tools/tongyong-guifan-hanzi-8105.txt), and frequent name characters outside both (RARE_NAME_CHARS).
`--with-ext-a` adds all of CJK Unified Ideographs + Extension A instead (about 3x the size; measured in
NOTES-printer.md). Characters the source font lacks are reported, not silently dropped.

Needs: apt-get install fonts-noto-cjk; pip install fonttools.
Run from the repository root:  python3 tools/subset-cjk-font.py [--out ui/fonts] [--with-ext-a]
"""

import argparse
import pathlib
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc"
# The file names the UI imports. They predate the wider coverage (GB2312 was once all they held); renaming them
# means changing ui/app-window.slint and the receipt-preview include in src/technician/device.rs together.
OUTPUT = "NotoSansSC-{weight}-GB2312.otf"
TABLE_8105 = HERE / "tongyong-guifan-hanzi-8105.txt"

SYMBOLS = "•·✓✔✗←→↑↓×…—–‘’“”°℃№①②③④⑤⑥⑦⑧⑨⑩※★☆○●◎◇◆□■△▲▽▼"
# Name characters seen on ID cards that are in neither GB2312 nor the 8,105 table, or that are but are worth
# pinning here so a future table change cannot drop them. 䶮 (U+4DAE) is in Extension A.
RARE_NAME_CHARS = "堃喆赟昇䶮珺玥婧昴瑀琰泓娅玙珏琇瑄璟玮炜晔旻昀煜翀垚犇骉焱燚"


def gb2312_chars():
    """Every character GB2312 (EUC-CN rows 1-87) assigns."""
    out = set()
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                out.add(bytes([b1, b2]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def table_8105():
    chars = set()
    for line in TABLE_8105.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            chars.add(line)
    if len(chars) != 8105 or any(len(c) != 1 for c in chars):
        sys.exit(f"{TABLE_8105}: expected 8105 single characters, found {len(chars)}")
    return chars


def wanted(with_ext_a):
    chars = gb2312_chars() | table_8105() | set(RARE_NAME_CHARS) | set(SYMBOLS)
    chars |= {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0x3000, 0x3040)}  # CJK punctuation
    chars |= {chr(c) for c in range(0xFF00, 0xFFF0)}  # full-width forms
    if with_ext_a:
        chars |= {chr(c) for c in range(0x4E00, 0xA000)}  # CJK Unified Ideographs
        chars |= {chr(c) for c in range(0x3400, 0x4DC0)}  # Extension A
    return chars


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="ui/fonts", help="output directory (default ui/fonts)")
    ap.add_argument("--with-ext-a", action="store_true", help="all of CJK URO + Extension A")
    args = ap.parse_args()
    chars = wanted(args.with_ext_a)
    for weight in ("Regular", "Bold"):
        col = TTCollection(SOURCE.format(weight=weight))
        font = next(f for f in col.fonts if f["name"].getDebugName(1).endswith(" SC"))
        cmap = font.getBestCmap()
        missing = sorted(c for c in chars if ord(c) not in cmap)
        opts = subset.Options()
        opts.layout_features = ["*"]
        opts.name_IDs = ["*"]
        opts.notdef_outline = True
        opts.hinting = False
        s = subset.Subsetter(opts)
        s.populate(text="".join(sorted(chars)))
        s.subset(font)
        path = pathlib.Path(args.out) / OUTPUT.format(weight=weight)
        font.save(path)
        print(f"{path}: {len(chars) - len(missing)} of {len(chars)} characters, "
              f"{path.stat().st_size} bytes; not in the source font: {len(missing)} "
              f"({''.join(missing[:40])}{'…' if len(missing) > 40 else ''})")


if __name__ == "__main__":
    main()
