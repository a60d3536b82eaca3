"""Where a document comes from: its place in China's administrative divisions (province → city →
county/district), resolved with jionlp's gazetteer at index time, and the names questions use.

Questions never load the gazetteer: the index keeps each document's path and short names
(`Document.region_path`, `Document.aliases`), and `query.alias_table` matches against those.
"""
from __future__ import annotations

import contextlib
import io
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

log = logging.getLogger(__name__)

# Longest first, so 自治县 is stripped before 县.
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
             "地区", "新区", "省", "市", "区", "县", "旗", "盟", "州")
# Development zones: not in the gazetteer, named by the document itself (武汉东湖新技术开发区).
DEV_ZONE = re.compile(r"^(?P<city>.{2}?)(?P<core>[\u4e00-\u9fff]{2,4}?)"
                      r"(?P<kind>新技术产业开发区|新技术开发区|高新技术产业开发区|经济技术开发区|经济开发区|高新区|开发区)")
# Nicknames the gazetteer lacks; attached only when the document itself uses the nickname.
NICKNAMES = {"光谷": "东湖"}


@lru_cache(maxsize=1)
def _jio():
    # jionlp prints a banner on import; keep stdout clean for `ask --json`
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp
    return jionlp


def short_name(name: str) -> str:
    """游仙区 → 游仙, 广西壮族自治区 → 广西; names of one character plus suffix stay whole (沙县)."""
    for suf in _SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


# The state's own organs: their documents are national (全国), whatever place a gazetteer finds in
# their names (共和 in 中华人民共和国)
NATIONAL = re.compile(r"^(中华人民共和国|国务院|教育部|全国人民代表大会|全国人大|中共中央|国家[\u4e00-\u9fff]{0,6}(委员会|部|局|署))")
NATION = "全国"
NATIONAL_ORGAN = re.compile(r"国务院[\u4e00-\u9fff]{0,12}(委员会办公室|委员会|办公厅)|教育部(办公厅)?")
# jieba's part-of-speech tags of proper nouns: a place's short name is read as one only then
PROPER = {"ns", "nr", "nrt", "nt", "nz", "nrfg"}


def _named_at(name: str, words: list) -> int | None:
    """Where a text (its jieba words with parts of speech) names the place `name` as a word of
    its own (a word that begins with it: 郑州, 郑州市, 武汉东湖新技术开发区), else None; a
    two-character name only where jieba reads that word as a proper noun (not 延长 the verb)."""
    pos = 0
    for tok in words:
        w = tok.word
        if w.startswith(name) and (len(name) >= 3 and w == name or tok.flag in PROPER
                                   or (len(name) >= 3 and len(w) > len(name))):
            return pos
        pos += len(w)
    return None


def locate(text: str) -> list[str]:
    """[province, city, county] named at the start of `text` (an issuer or a title); parts the
    text does not determine are left out (鼓楼区 alone has no city: four cities have one)."""
    text = (text or "").strip()
    if not text:
        return []
    if NATIONAL.match(text):
        return [NATION]
    zone = DEV_ZONE.search(text)
    try:
        loc = _jio().parse_location(text[:60], town_village=False, change2new=True)
    except Exception:  # noqa: BLE001 - a gazetteer failure must not stop indexing; logged
        log.warning("gazetteer lookup failed for %r", text[:60], exc_info=True)
        return []
    path = [p for p in (loc.get("province"), loc.get("city"), loc.get("county")) if p]
    # a place named far into a title is its topic (关于转发《广安市…》), not the issuer's place;
    # and a place must stand as a word of its own: not 共和 inside 中华人民共和国, not 市中 across
    # 全市/中小学, not 延长 the verb
    head = text[:60]
    import jieba.posseg
    words = jieba.posseg.lcut(head)   # once: every part of the path is looked for among them
    named = [at for p in path for at in (_named_at(p, words),) if at is not None] or \
        [at for p in path for at in (_named_at(short_name(p), words),) if at is not None]
    if path and (not named or min(named) > 12):
        return []
    if path and len(path) >= 2 and path[0] == path[1]:
        path = path[1:]  # municipalities: 重庆市 重庆市 大足区 → 重庆市 大足区
    if zone and zone.start() < 8:
        path = [p for p in path if p != zone.group(0)] + [zone.group("core") + "高新区"]
    return path


def names_for(path: list[str], text: str, own_name: str = "") -> list[str]:
    """Every name a question may use for a document of this path, most specific first:
    the region, its short name, its parents and theirs, and nicknames the text uses."""
    out: list[str] = []
    if own_name:
        out.append(own_name)
    for part in reversed(path):
        out += [part, short_name(part)]
    region = path[-1] if path else ""
    if region.endswith("高新区"):
        core = region[:-3]
        out += [core, f"{core}新技术开发区"]
    for nick, target in NICKNAMES.items():
        if any(target in n for n in out) and nick in text:
            out.append(nick)
    return [n for n in dict.fromkeys(out) if n and len(n) >= 2]


PLACES_FILE = "places.json"


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, tuple[str, ...]]:
    """Every province and city by full and short name, and every county by full name, each with
    the paths (省/市/县) it names: the names a question may use for a place, and where they sit."""
    _jio()  # first: its import prints a banner that must not reach stdout
    from jionlp.dictionary.dictionary_loader import china_location_loader
    paths: dict[str, set[str]] = {}

    def add(names, path: str) -> None:
        for n in names:
            if len(n) >= 2:
                paths.setdefault(n, set()).add(path)

    for prov, pdata in china_location_loader(detail=False).items():
        add([prov, short_name(prov)], prov)
        for city, cdata in pdata.items():
            if city.startswith("_"):
                continue
            add([city, short_name(city)], f"{prov}/{city}")
            for county in cdata:
                if not county.startswith("_") and len(county) >= 3:  # 城区, 郊区: ordinary words
                    add([county], f"{prov}/{city}/{county}")
    return {n: tuple(sorted(p)) for n, p in sorted(paths.items())}


def _gazetteer_names() -> tuple[str, ...]:
    return tuple(_gazetteer())


@dataclass(frozen=True)
class Places:
    """The gazetteer as questions need it: its names, and the paths each one names."""
    paths: dict = field(default_factory=dict)

    def __contains__(self, name: str) -> bool:
        return name in self.paths

    def __bool__(self) -> bool:
        return bool(self.paths)

    def covers(self, name: str, path: str) -> bool:
        """Whether the place `name` is `path` or above it (宁德 covers 福建省/宁德市/福安市)."""
        return any(p == path or path.startswith(p + "/") for p in self.paths.get(name, ()))

    def within(self, name: str, path: str) -> bool:
        """Whether the place `name` lies under `path` (城厢区 under 福建省/莆田市)."""
        return any(p.startswith(path + "/") for p in self.paths.get(name, ()))


def named_places(text: str) -> list[str]:
    """The paths of the places a text names by full name (福安市, 城厢区), at index time."""
    try:
        table = _gazetteer()
    except Exception:  # noqa: BLE001 - without the gazetteer, no places are read from the text
        log.warning("gazetteer unavailable", exc_info=True)
        return []
    found = set()
    for name, paths in table.items():
        if len(name) >= 3 and name[-1] in "省市区县州旗盟" and name in text:
            found.update(paths)
    return sorted(found)


def place_names(index_dir) -> Places:
    """The gazetteer's place names and paths, cached as JSON next to the index so that a
    question never loads the gazetteer itself (a process answers its first question in well
    under a second)."""
    import json
    from pathlib import Path
    path = Path(index_dir) / PLACES_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
        if isinstance(data, dict) and data and all(isinstance(v, list) and all(isinstance(x, str) for x in v)
                                                   for v in data.values()):
            return Places({k: tuple(v) for k, v in data.items()})
        log.warning("%s is damaged (not a table of place paths): written again", path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:   # unreadable or not JSON: written again from the gazetteer
        log.warning("%s unreadable (%s): written again", path, exc)
    try:
        table = _gazetteer()
    except Exception:  # noqa: BLE001 - without the list, unknown places are simply not flagged
        log.warning("gazetteer names unavailable", exc_info=True)
        return Places()
    try:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({k: list(v) for k, v in table.items()}, ensure_ascii=False), "utf-8")
        tmp.replace(path)
    except OSError as exc:
        log.info("place names not cached: %s", exc)
    return Places(dict(table))
