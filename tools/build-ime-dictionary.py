#!/usr/bin/env python3
"""Builds ime/data/dictionary.bin, the pinyin dictionary that ships inside the kiosk (crate sanban-ime).

Sources (all MIT; their licence texts are in ime/data/):
  jieba 0.42.1          the word list with frequencies (jieba/dict.txt)
  pypinyin 0.55.0       character and phrase pinyin (its data is pinyin-data and phrase-pinyin-data)
  pypinyin-dict 0.9.0   the character list of the 通用规范汉字表 (pinyin-data's kMandarin_8105)
  ime/data/local-words.txt   the hall's place names and the kiosk's own words

Setup and run (from the workspace root; the output is byte-for-byte reproducible):
  python3 -m venv /tmp/ime-venv
  /tmp/ime-venv/bin/pip install jieba==0.42.1 pypinyin==0.55.0 pypinyin-dict==0.9.0
  /tmp/ime-venv/bin/python tools/build-ime-dictionary.py            # writes ime/data/dictionary.bin
  /tmp/ime-venv/bin/python tools/build-ime-dictionary.py --check    # fails if the file is not what the sources give

What goes in:
  * every character of GB2312 and of the 通用规范汉字表 (8,105 characters, which holds the name characters outside
    GB2312 such as 堃 喆 赟 昇 䶮), each with all its readings: the IME's character candidates;
  * the WORDS_KEPT most frequent words of 2-8 such characters, each with its contextual reading (银行 yin'hang);
  * the local words;
  * every other character pypinyin knows, with its main reading, for search keys only (never a candidate).
It also lists the candidate characters outside GB2312 in ime/data/characters-beyond-gb2312.txt, for the font.

The binary layout is described in ime/src/format.rs; all integers are little-endian.
"""

import argparse
import importlib.metadata
import math
import os
import struct
import sys

PINNED = {"jieba": "0.42.1", "pypinyin": "0.55.0", "pypinyin-dict": "0.9.0"}
WORDS_KEPT = 120_000
MAX_WORD_CHARS = 8
SCORE_SCALE = 4096  # score = round(ln(frequency + 1) * SCORE_SCALE), held in a u16
LOCAL_DEFAULT_FREQUENCY = 500
# The least share of a character's frequency that a secondary reading keeps (行 as hang, 了 as liao), so that
# every reading stays reachable even when no word in the list uses it.
SECONDARY_READING_FLOOR = 0.02

MAGIC = b"SBPYDIC\0"
VERSION = 1
SECTION_COUNT = 8

# Readings that are not syllables a citizen types: interjection sounds written with a bare nasal, and ê.
# 嗯 is typed "en"; the rest have no usual keyboard spelling and are dropped.
READING_ALIASES = {"n": "en", "ng": "en", "hng": "heng"}
READINGS_DROPPED = {"m", "hm", "ê"}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCAL_WORDS = os.path.join(ROOT, "ime", "data", "local-words.txt")
OUTPUT = os.path.join(ROOT, "ime", "data", "dictionary.bin")
# The candidate characters outside GB2312, for the font subset (tools/subset-cjk-font.py draws GB2312 only).
BEYOND_GB2312 = os.path.join(ROOT, "ime", "data", "characters-beyond-gb2312.txt")


def check_versions():
    wrong = []
    for name, version in PINNED.items():
        try:
            found = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found = None
        if found != version:
            wrong.append(f"{name}=={version} (found {found or 'nothing'})")
    if wrong:
        sys.exit("build-ime-dictionary: needs exactly " + ", ".join(wrong) + "; see the setup in this script's header")


def score_of(frequency):
    return min(65535, int(round(math.log(frequency + 1.0) * SCORE_SCALE)))


def normalise_reading(reading):
    reading = READING_ALIASES.get(reading, reading)
    if reading in READINGS_DROPPED or not reading.isascii() or not reading.isalpha():
        return None
    return reading


def gb2312_characters():
    chars = set()
    for high in range(0xB0, 0xF8):  # rows 16-87: the hanzi
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing it")
    parser.add_argument("--output", default=OUTPUT)
    args = parser.parse_args()
    check_versions()

    import jieba
    from pypinyin import Style, pinyin
    from pypinyin.pinyin_dict import pinyin_dict as all_characters
    from pypinyin_dict.pinyin_data import kmandarin_8105

    def readings_of_character(char):
        out = []
        found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
        for reading in found[0] if found else []:
            reading = normalise_reading(reading)
            if reading and reading not in out:
                out.append(reading)
        return out

    def reading_of_word(word):
        syllables = [normalise_reading(r[0]) for r in pinyin(word, style=Style.NORMAL, errors="ignore")]
        if len(syllables) != len(word) or None in syllables:
            return None
        return tuple(syllables)

    gb2312 = gb2312_characters()
    candidates = gb2312 | {chr(code) for code in kmandarin_8105.pinyin_dict}

    # The general word list.
    frequency = {}
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                frequency[parts[0]] = max(frequency.get(parts[0], 0), int(parts[1]))

    # The local words, with their readings where given.
    local = {}
    with open(LOCAL_WORDS, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            word, reading, freq = fields[0], None, LOCAL_DEFAULT_FREQUENCY
            for field in fields[1:]:
                if field.isdigit():
                    freq = int(field)
                else:
                    reading = tuple(field.split("'"))
            if any(c not in candidates for c in word):
                sys.exit(f"{LOCAL_WORDS}:{number}: {word} has a character outside the candidate set")
            if reading is not None and len(reading) != len(word):
                sys.exit(f"{LOCAL_WORDS}:{number}: {word} has {len(word)} characters but {len(reading)} syllables")
            local[word] = (reading, freq)

    syllables = set()
    # Characters: every reading, each an entry.
    char_readings = {}
    for char in sorted(candidates):
        readings = readings_of_character(char)
        if readings:
            char_readings[char] = readings
            syllables.update(readings)

    # Words of candidate characters with their contextual reading.
    words = {}
    for word in sorted(frequency):
        if 2 <= len(word) <= MAX_WORD_CHARS and all(c in candidates for c in word):
            reading = reading_of_word(word)
            if reading and all(s in syllables for s in reading):
                words[word] = (reading, frequency[word])
    kept = sorted(words, key=lambda w: (-words[w][1], w))[:WORDS_KEPT]
    words = {w: words[w] for w in kept}
    for word, (reading, freq) in sorted(local.items()):
        old_reading, old_freq = words.get(word, (None, 0))
        reading = reading or old_reading or reading_of_word(word)
        if reading is None or not all(s in syllables for s in reading):
            sys.exit(f"{LOCAL_WORDS}: no usable reading for {word}; give one")
        words[word] = (reading, max(freq, old_freq, frequency.get(word, 0)))

    # How often each character is read each way inside words: the share a secondary reading gets.
    weight = {}
    for word, (reading, freq) in words.items():
        for char, syllable in zip(word, reading):
            weight.setdefault(char, {}).setdefault(syllable, 0)
            weight[char][syllable] += freq

    entries = []  # (syllables, score, text)
    total = 0
    for char, readings in char_readings.items():
        base = frequency.get(char, 0) or (1 if char in gb2312 else 0)
        seen = weight.get(char, {})
        seen_total = sum(seen.values())
        for rank, reading in enumerate(readings):
            if rank == 0:
                freq = base
            else:
                share = seen.get(reading, 0) / seen_total if seen_total else 0.0
                freq = base * max(SECONDARY_READING_FLOOR, share)
            entries.append((reading, score_of(freq), char))
        total += base
    for word, (reading, freq) in words.items():
        entries.append((reading, score_of(freq), word))
        total += freq

    syllable_list = sorted(syllables)
    syllable_id = {s: i for i, s in enumerate(syllable_list)}
    entries = [(tuple(syllable_id[s] for s in (r if isinstance(r, tuple) else (r,))), score, text)
               for r, score, text in entries]
    entries.sort(key=lambda e: (e[0], -e[1], e[2].encode("utf-8")))

    # Characters outside the candidate set: their main reading, for search keys.
    reading_only = []
    for code in sorted(all_characters):
        char = chr(code)
        if char in candidates:
            continue
        readings = readings_of_character(char)
        if readings and readings[0] in syllable_id:
            reading_only.append((code, syllable_id[readings[0]]))

    text_order = sorted(range(len(entries)), key=lambda i: (entries[i][2].encode("utf-8"), -entries[i][1], entries[i][0]))

    # Sections.
    syllable_text = b"".join(s.encode("ascii") for s in syllable_list)
    syllable_offsets = [0]
    for s in syllable_list:
        syllable_offsets.append(syllable_offsets[-1] + len(s))
    entry_data = bytearray()
    entry_offsets = [0]
    for ids, score, text in entries:
        entry_data += struct.pack("<BH", len(ids), score)
        entry_data += struct.pack(f"<{len(ids)}H", *ids)
        entry_data += text.encode("utf-8")
        entry_offsets.append(len(entry_data))
    provenance = (
        "Sanban IME dictionary. Words and frequencies: jieba 0.42.1 (MIT). Pinyin: pypinyin 0.55.0 (MIT) with "
        "pinyin-data and phrase-pinyin-data (MIT); 通用规范汉字表 character list: pypinyin-dict 0.9.0 (MIT). "
        "Local words: ime/data/local-words.txt."
    ).encode("utf-8")
    sections = [
        struct.pack(f"<{len(syllable_offsets)}I", *syllable_offsets),
        syllable_text,
        struct.pack(f"<{len(entry_offsets)}I", *entry_offsets),
        bytes(entry_data),
        struct.pack(f"<{len(text_order)}I", *text_order),
        struct.pack(f"<{len(reading_only)}I", *(code for code, _ in reading_only)),
        struct.pack(f"<{len(reading_only)}H", *(sid for _, sid in reading_only)),
        provenance,
    ]
    assert len(sections) == SECTION_COUNT
    header_len = 8 + 4 * 6 + 8 * SECTION_COUNT
    table = b""
    offset = header_len
    for section in sections:
        table += struct.pack("<II", offset, len(section))
        offset += len(section)
    header = MAGIC + struct.pack(
        "<6I", VERSION, len(syllable_list), len(entries), len(reading_only), score_of(total), SECTION_COUNT
    )
    blob = header + table + b"".join(sections)
    assert len(header + table) == header_len

    stats = (
        f"{len(syllable_list)} syllables, {len(char_readings)} characters, {len(words)} words, "
        f"{len(entries)} entries, {len(reading_only)} reading-only characters, {len(blob):,} bytes"
    )
    beyond = sorted(c for c in char_readings if c not in gb2312)
    beyond_text = (
        "# The input method's candidate characters outside GB2312 (通用规范汉字表 characters such as 堃 喆 赟 昇 䶮),\n"
        "# written by tools/build-ime-dictionary.py. A font that draws the candidate bar needs these glyphs too.\n"
        + "".join("".join(beyond[i:i + 50]) + "\n" for i in range(0, len(beyond), 50))
    ).encode("utf-8")
    outputs = [(args.output, blob), (BEYOND_GB2312, beyond_text)]
    stats += f"; {len(beyond)} candidate characters beyond GB2312"
    if args.check:
        for path, content in outputs:
            with open(path, "rb") as f:
                if f.read() != content:
                    sys.exit(f"{path} differs from what the sources give ({stats}); rebuild it")
        print(f"up to date: {stats}")
    else:
        for path, content in outputs:
            with open(path, "wb") as f:
                f.write(content)
        print(f"wrote {args.output} and {BEYOND_GB2312}: {stats}")


if __name__ == "__main__":
    main()
