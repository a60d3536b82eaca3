"""jieba's word store: a process that only answers questions reads the dictionary from SQLite and
must cut every question exactly as the whole dictionary in memory does."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import DATA, ROOT

# Prints how jieba was loaded and how each line of stdin is cut, as the engine's lexical side does.
_PROBE = """
import json, sys
from pathlib import Path
from retrieval import lexical, spelling
lexical.load_dictionary(Path(sys.argv[1]))
import jieba
lines = [json.loads(l) for l in sys.stdin]
print(json.dumps({"store": type(jieba.dt.FREQ).__name__,
                   "cuts": [lexical.tokenize(t) + jieba.lcut(t) for t in lines]}, ensure_ascii=False))
"""


def _probe(cache: Path, lines: list[str]) -> dict:
    run = subprocess.run([sys.executable, "-c", _PROBE, str(cache)], cwd=ROOT,
                         input="\n".join(json.dumps(t, ensure_ascii=False) for t in lines),
                         capture_output=True, text=True, timeout=300, check=True)
    return json.loads(run.stdout)


def _questions() -> list[str]:
    out = []
    for name in ("questions.jsonl", "wild_questions.jsonl", "everyday_questions.jsonl"):
        for line in (DATA / name).read_text("utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out


def test_questions_cut_the_same_from_the_store_as_from_the_whole_dictionary(tmp_path):
    questions = _questions()
    assert len(questions) > 400
    first = _probe(tmp_path, questions)     # no store yet: loads in full, then writes it
    assert first["store"] == "dict"
    assert list(tmp_path.glob("jieba-words-*.sqlite"))
    second = _probe(tmp_path, questions)    # a later process: the store
    assert second["store"] == "StoredFreq"
    assert second["cuts"] == first["cuts"]


def test_a_changed_domain_dictionary_gets_its_own_store(tmp_path):
    from retrieval import wordstore
    one, two = tmp_path / "a.txt", tmp_path / "b.txt"
    one.write_text("责任督学 50 n\n", "utf-8")
    two.write_text("责任督学 50 n\n挂牌督导 50 n\n", "utf-8")
    assert wordstore.store_path(tmp_path, "0.42.1", one) != wordstore.store_path(tmp_path, "0.42.1", two)
    assert wordstore.store_path(tmp_path, "0.42.1", one) != wordstore.store_path(tmp_path, "0.43", one)


def test_an_unreadable_store_falls_back_to_the_whole_dictionary(tmp_path):
    from retrieval import lexical, wordstore
    import jieba
    path = wordstore.store_path(tmp_path, jieba.__version__, lexical.USER_DICT)
    path.write_bytes(b"not a database")
    assert _probe(tmp_path, ["幼儿园办园行为督导评估在几月"])["store"] == "dict"
