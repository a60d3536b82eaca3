"""Synthetic circulars for scale runs: real sentences, sections and schedule rows of the shipped
circulars recombined under invented region names (deterministic for a seed)."""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from retrieval.chunker import chunk_document
from retrieval.indexer import load_document

ROOT = Path(__file__).resolve().parent.parent

NAME_CHARS = "安宁平和兴华云山川河江湖泉林松竹梅兰青丰源阳明德信义远通盛昌茂新东西南北中永嘉"
SUFFIX = ["县", "区", "市"]
MONTHS = ["三月", "四月", "五月", "六月", "七月", "九月", "十月", "十一月", "十二月",
          "3月下旬", "5月中旬", "8月上旬", "11月中旬", "3月—6月底", "每月一次", "3月、9月"]


def _material():
    """Section titles, item paragraphs and schedule activities from the shipped circulars."""
    sections, items, activities = [], [], []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        doc = load_document(path)
        for c in chunk_document(doc):
            if c.kind == "row":
                activities.append(c.cells[-2] if len(c.cells) > 2 else c.cells[-1])
            elif " > " in c.heading:
                sections.append(c.heading.split(" > ")[0])
                items.append(re.sub(r"^(\d{1,2}\.|（[一二三四五六七八九十]+）)", "", c.text))
    return sorted(set(sections)), items, activities


def generate(folder: Path, n: int, seed: int = 7, start: int = 0) -> list[Path]:
    """Write n circulars as UTF-8 text files into folder; returns their paths."""
    rng = random.Random(seed)
    sections, items, activities = _material()
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(start, start + n):
        name = "".join(rng.choice(NAME_CHARS) for _ in range(2))
        region = f"{name}{rng.choice(SUFFIX)}"
        issuer = f"{region}人民政府教育督导室"
        lines = [f"{issuer}文件", f"{name}教督〔2021〕{k + 1}号",
                 f"{issuer}关于印发2021年教育督导工作要点的通知", "各学校：",
                 "现将《2021年教育督导工作要点》印发给你们，请认真贯彻执行。", issuer,
                 f"2021年{rng.randint(1, 4)}月{rng.randint(1, 28)}日", f"2021年{region}教育督导工作要点"]
        item_no = 1
        cn = "一二三四五六"
        for s in range(rng.randint(4, 6)):
            title = re.sub(r"^[一二三四五六七八九十]+、", "", rng.choice(sections))
            lines.append(f"{cn[s]}、{title}")
            for _ in range(rng.randint(3, 5)):
                lines.append(f"{item_no}.{rng.choice(items)}")
                item_no += 1
        lines.append(f"{cn[min(s + 1, 5)]}、具体月度工作安排")
        lines.append("序号\t事项\t时间")
        for r in range(rng.randint(6, 10)):
            lines.append(f"{r + 1}\t{rng.choice(activities)}\t{rng.choice(MONTHS)}")
        path = folder / f"synth-{k:05d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out.append(path)
    return out


if __name__ == "__main__":
    dst = Path(sys.argv[1])
    print(len(generate(dst, int(sys.argv[2]) if len(sys.argv) > 2 else 10)), "circulars written to", dst)
