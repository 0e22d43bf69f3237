#!/usr/bin/env python3
"""Builds the benchmark text: the bodies of the shared corpus (laws.jsonl.zst, no personal
data in it) with personal-data sentences inserted at a fixed density (one per INTERVAL bytes
of text, at paragraph ends), deterministic (fixed seed). Usage: prepare.py CORPUS.zst OUT.txt"""
import json
import random
import subprocess
import sys

INTERVAL = 4096
R = random.Random(5)
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"


def id18():
    s17 = f"{R.choice(['110105', '310104', '440304', '510104', '320102'])}{R.randint(1950, 2005)}{R.randint(1, 12):02d}{R.randint(1, 28):02d}{R.randint(0, 999):03d}"
    return s17 + C[sum(int(a) * b for a, b in zip(s17, W)) % 11]


def card():
    body = "622202" + "".join(R.choice("0123456789") for _ in range(12))
    for d in "0123456789":
        n = body + d
        t = sum((int(c) * 2 - 9 if int(c) * 2 > 9 else int(c) * 2) if i % 2 else int(c) for i, c in enumerate(reversed(n)))
        if t % 10 == 0:
            return n


def mobile():
    return R.choice(["138", "139", "186", "150", "177"]) + "".join(R.choice("0123456789") for _ in range(8))


SENTENCES = [
    lambda: f"当事人张某，身份证号码：{id18()}，住所地某市某区。",
    lambda: f"联系人：李某，联系电话：{mobile()}。",
    lambda: f"补贴发放至王某银行卡{card()}。",
    lambda: f"来信请寄 user{R.randint(1, 9999)}@example.com。",
    lambda: f"当事人驾驶川A{R.randint(10000, 99999)}号小型轿车。",
]


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    raw = subprocess.run(["zstd", "-dc", corpus], check=True, capture_output=True).stdout
    parts = []
    since = 0
    inserted = 0
    for line in raw.decode("utf-8").splitlines():
        body = json.loads(line)["body"] or ""
        for para in body.split("\n"):
            parts.append(para)
            since += len(para.encode("utf-8")) + 1
            if since >= INTERVAL:
                parts.append(R.choice(SENTENCES)())
                inserted += 1
                since = 0
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(parts) + "\n")
    print(f"inserted={inserted}", file=sys.stderr)


if __name__ == "__main__":
    main()
