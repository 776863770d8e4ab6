import sys
from fontTools.ttLib import TTCollection
from fontTools import subset
chars = set()
for b1 in range(0xA1, 0xF8):
    for b2 in range(0xA1, 0xFF):
        try:
            chars.add(bytes([b1, b2]).decode('gb2312'))
        except Exception:
            pass
chars |= {chr(c) for c in range(0x20, 0x7F)}
chars |= {chr(c) for c in range(0x3000, 0x3040)}   # CJK punctuation
chars |= {chr(c) for c in range(0xFF00, 0xFFF0)}   # full-width forms
chars |= set("•·✓✔✗←→↑↓×…—–‘’“”°℃№①②③④⑤⑥⑦⑧⑨⑩※★☆○●◎◇◆□■△▲▽▼")
chars |= set("昴珺玥瑀琰泓昇婧娅")  # a few frequent name characters outside GB2312
for weight in ("Regular", "Bold"):
    col = TTCollection(f"/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc")
    for f in col.fonts:
        name = f["name"].getDebugName(1)
        if name.endswith(" SC"):
            opts = subset.Options()
            opts.layout_features = ["*"]
            opts.name_IDs = ["*"]
            opts.notdef_outline = True
            opts.hinting = False
            s = subset.Subsetter(opts)
            s.populate(text="".join(chars))
            s.subset(f)
            f.save(f"NotoSansSC-{weight}-GB2312.otf")
            print(weight, name, len(chars))
            break
