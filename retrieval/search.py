"""Hybrid retrieval: BM25 and dense ranks fused by reciprocal rank fusion, with filters."""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from . import store, timeexpr
from .chunker import search_text
from .embedders import Embedder
from .lexical import bm25_idf
from .models import Hit
from .query import FILLERS, Query
from .store import Built
from .textnorm import normalize

RRF_K = 60
SPLIT_GAP = 3   # characters that may stand between the characters of a split word
CANDIDATES = 50


@lru_cache(maxsize=4096)
def split_word(word: str) -> re.Pattern:
    """A word's characters in order with a few others between them."""
    return re.compile(f".{{0,{SPLIT_GAP}}}".join(re.escape(ch) for ch in word))


def top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first, without sorting everything."""
    if len(scores) <= k:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


CHAR_DF_SAMPLE = 20_000  # passages counted for a character's document frequency
DATED_SCAN = 20_000      # passages a month question reads for their months (each read once, kept)


class Searcher:
    """Searches one loaded build; immutable, so a reindex swaps in a new Searcher."""

    def __init__(self, built: Built, embedder: Embedder):
        self.built = built
        self.embedder = embedder
        self.chunks = built.chunks
        self.bm25 = built.bm25
        self.max_idf = self.bm25.max_idf
        self._norm_cache: dict[int, str] = {}
        self._char_df: tuple[dict[str, int], int] | None = None   # (passages per character, passages counted)
        self._titles: dict[str, str] = {}   # doc_id → normalized title, filled as passages are scoped
        self._contexts: dict[str, str] = {}   # doc_id → its title and place names, normalized
        self._months: dict[int, frozenset[int]] = {}   # passage → the months it dates, as read
        # chunk → document as integers, so filters are array operations even at 1M chunks
        self.doc_names = list(dict.fromkeys(c.doc_id for c in self.chunks))
        self.all_docs = frozenset(self.doc_names)
        number = {d: i for i, d in enumerate(self.doc_names)}
        self.doc_index = np.fromiter((number[c.doc_id] for c in self.chunks), dtype=np.int32,
                                     count=len(self.chunks))

    def positions_of(self, doc_id: str) -> list[int]:
        """Where one document's chunks stand in the build, in reading order."""
        if doc_id not in self.all_docs:
            return []
        number = self.doc_names.index(doc_id)
        return [int(i) for i in np.flatnonzero(self.doc_index == number)]

    def chunks_of(self, doc_id: str) -> list:
        """One document's chunks in reading order, found through the integer document map."""
        return [self.chunks[i] for i in self.positions_of(doc_id)]

    def allowed(self, doc_ids: set[str] | None) -> np.ndarray:
        if doc_ids is None or self.all_docs <= doc_ids:
            return np.ones(len(self.chunks), dtype=bool)
        wanted = np.array([i for i, d in enumerate(self.doc_names) if d in doc_ids], dtype=np.int32)
        return np.isin(self.doc_index, wanted)

    def term_weights(self, tokens: list[str]) -> dict[str, float]:
        """IDF of each question word; a word the corpus never uses weighs as much as the rarest,
        except a one-character word, which counts wherever its character stands (coverage) and
        so weighs as rare as that character is in the passages."""
        out = {}
        for t in set(tokens):
            idf = self.bm25.idf(t)
            if idf is None and len(t) == 1:
                idf = self.char_idf(t)
            out[t] = self.max_idf if idf is None else idf
        return out

    def char_idf(self, ch: str) -> float:
        """BM25's IDF of one character, from the share of passages whose text holds it."""
        if self._char_df is None:
            # every passage of a normal index; an even sample of a very large one (the share is
            # what matters, and counting a million passages would stall the first question)
            step = max(1, len(self.chunks) // CHAR_DF_SAMPLE)
            df: dict[str, int] = {}
            for pos in range(0, len(self.chunks), step):
                for c in set(self.chunk_search_text(pos)):
                    df[c] = df.get(c, 0) + 1
            # one assignment: a thread reading it never sees the counts without their total
            self._char_df = (df, len(range(0, len(self.chunks), step)))
        df, n = self._char_df
        return min(self.max_idf, float(bm25_idf(n, df.get(ch, 0))))

    def coverage(self, weights: dict[str, float], pos: int,
                 alts: dict[str, list[list[str]]] | None = None) -> float:
        """IDF-weighted share of the question's words that the passage contains (a word counts
        as contained when one of its synonyms is)."""
        total = sum(weights.values())
        if not total:
            return 0.0
        got = 0.0
        text = None
        alts = alts or {}
        for t, idf in weights.items():
            if self.bm25.contains(t, pos) or any(all(self.bm25.contains(p, pos) for p in alt)
                                                 for alt in alts.get(t, ())):
                got += idf
            elif len(t) >= 2 and self.bm25.idf(t) is None:
                # a word the index never uses may stand split in a passage: 校长 in 校（园）长
                text = text if text is not None else self.chunk_search_text(pos)
                if split_word(t).search(text):
                    got += idf
            elif len(t) == 1:
                # a one-character word (编, 聘) often stands for a longer one (编制, 聘请)
                text = text if text is not None else self.chunk_search_text(pos)
                if t in text:
                    got += idf
        return got / total

    def _scope_text(self, pos: int) -> str:
        """A passage with the title of its document, which scopes it (a 春季开学 notice's steps)."""
        doc_id = self.chunks[pos].doc_id
        title = self._titles.get(doc_id)
        if title is None:
            doc = self.built.documents.get(doc_id)
            title = self._titles[doc_id] = normalize(doc.title if doc else "")
        return self.chunk_search_text(pos) + " " + title

    def chunk_search_text(self, pos: int) -> str:
        # only needed for hits of questions with one-character words; bounded by the index size
        text = self._norm_cache.get(pos)
        if text is None:
            text = self._norm_cache[pos] = search_text(self.chunks[pos])
        return text

    def with_heads(self, query: Query, hits: list[Hit], doc_ids: list[str]) -> list[Hit]:
        """`hits` plus the header passage (文号, dates, organs) of each document in `doc_ids`
        that the search left out: a question about a document itself is answered there, in
        words (通过, 批准, 印发) no ranking ties to the question's."""
        have = {h.chunk.chunk_id for h in hits}
        weights = self.term_weights(query.tokens)
        # a document the question names by title or 文号 is what it asks about: its header
        # lines rank with the best passages; a meta question's documents are only candidates
        floor = (max if query.doc_ids else min)((h.score for h in hits), default=0.0)
        extra = []
        for doc_id in doc_ids:
            for i in self.positions_of(doc_id):
                c = self.chunks[i]
                if c.kind == "head" and c.chunk_id not in have:
                    extra.append(Hit(c, floor, 0.0, 0.0, self.coverage(weights, i, query.alts)))
        return hits + extra

    def months_of(self, pos: int) -> frozenset[int]:
        """The months a passage dates something in (四月, 4月10日前, 3月—6月底), read once."""
        got = self._months.get(pos)
        if got is None:
            text = self.chunk_search_text(pos)
            got = self._months[pos] = frozenset(m for w in timeexpr.find_all(text)
                                                if w.valid and not w.approximate and not w.recurring
                                                for m in w.months)
        return got

    def dated_hits(self, query: Query, doc_ids: set[str] | None, months: list[int], k: int,
                   hits: list[Hit] = ()) -> list[Hit]:
        """Passages of the documents asked about that date something in one of `months`: what a
        month question finds whatever words it uses (四月 and 4月 share no token). Over a scope
        too large to read on a question, only the passages the search found are read."""
        mask = self.allowed(doc_ids)
        weights = self.term_weights(query.tokens)
        want = set(months)
        scope = np.flatnonzero(mask)
        if len(scope) > DATED_SCAN:
            scope = [h.chunk.chunk_id for h in hits]
        out = []
        for pos in scope:
            pos = int(pos)
            if self.chunks[pos].kind != "head" and want & self.months_of(pos):   # a signature date plans nothing
                out.append(Hit(self.chunks[pos], 0.0, 0.0, 0.0, self.coverage(weights, pos, query.alts)))
        out.sort(key=lambda h: (-h.coverage, h.chunk.chunk_id))
        return out[:k]

    def search(self, query: Query, doc_ids: set[str] | None = None, k: int = 10) -> list[Hit]:
        """Best chunks for a query, restricted to doc_ids when given."""
        n = len(self.chunks)
        if n == 0:
            return []
        mask = self.allowed(doc_ids)
        if not mask.any():
            return []
        terms = list(query.tokens) + [p for t in query.tokens for alt in query.alts.get(t, ()) for p in alt]
        bm = self.bm25.scores(terms)
        bm_masked = np.where(mask, bm, -1.0)
        bm_order = [int(i) for i in top(bm_masked, CANDIDATES) if bm_masked[i] > 0]

        # the question as asked, without the speaker's fillers: its words mean what they mean
        # together (哪天通过); the topic alone (query.text) loses that
        qtext = " ".join(FILLERS.sub(" ", query.norm).split()) or query.text
        qvec = np.ascontiguousarray(self.embedder.embed_queries([qtext]), dtype=np.float32)
        allowed = None if mask.all() else np.flatnonzero(mask)
        want = min(n if allowed is None else len(allowed), CANDIDATES)
        params = store.search_params(self.built.vectors, allowed)
        sims, ids = self.built.vectors.search(qvec, want, params=params)
        dense = {int(i): float(s) for s, i in zip(sims[0], ids[0]) if i >= 0}
        dense_order = [int(i) for i in ids[0] if i >= 0]

        fused: dict[int, float] = {}
        for rank, i in enumerate(bm_order):
            fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, i in enumerate(dense_order):
            fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank + 1)
        weights = self.term_weights(query.tokens)
        hits = []
        for i, score in fused.items():
            if query.contrast[1] and query.contradicted_by(self._scope_text(i)):
                continue  # names only the opposite of what is asked (春季 for 秋季)
            cov = self.coverage(weights, i, query.alts)
            ctx = self.in_context(weights, i, cov)
            hits.append(Hit(self.chunks[i], score, float(bm[i]), dense.get(i, 0.0), cov, ctx))
        hits.sort(key=lambda h: (-(h.score + 0.01 * h.context), h.chunk.chunk_id))
        return hits[:k]

    def in_context(self, weights: dict[str, float], pos: int, coverage: float) -> float:
        """Coverage of a passage read in its document: the question's words its document's title
        and place give count for every passage of it, so that a passage is ranked by what it adds
        (整改到位 in 三、整改要求) rather than by repeating the title (食品安全专项督导)."""
        total = sum(weights.values())
        if not total:
            return coverage
        context = self._context_text(self.chunks[pos].doc_id)
        # a one-character word (多, 管) stands in any title by chance
        given = sum(w for t, w in weights.items() if len(t) > 1 and t in context)
        if not given:
            return coverage
        text = self.chunk_search_text(pos)
        own = sum(w for t, w in weights.items() if (len(t) == 1 or t not in context) and t in text)
        return max(coverage, (given + own) / total)

    def _context_text(self, doc_id: str) -> str:
        got = self._contexts.get(doc_id)
        if got is None:
            doc = self.built.documents.get(doc_id)
            got = self._contexts[doc_id] = normalize(" ".join(
                [doc.title, doc.region, *doc.region_path, *doc.aliases]) if doc else "")
        return got
