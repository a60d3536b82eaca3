"""A tiny sentence-transformers model built locally (no download): a 1-layer BERT whose
vocabulary is the characters of the shipped corpus. For testing the backend's machinery."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_tiny_st(base: Path) -> Path:
    """Build (once) and return the path of the saved model under base/."""
    out = base / "tiny-st"
    if (out / "modules.json").exists():
        return out
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    torch.manual_seed(0)
    base.mkdir(parents=True, exist_ok=True)
    chars = sorted({ch for f in (ROOT / "corpus").glob("*.txt") for ch in f.read_text("utf-8") if not ch.isspace()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars
    (base / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    tok = BertTokenizerFast(vocab_file=str(base / "vocab.txt"))
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512)
    hf_dir = base / "hf"
    BertModel(cfg).save_pretrained(hf_dir)
    tok.save_pretrained(hf_dir)
    word = models.Transformer(str(hf_dir), max_seq_length=256)
    pool = models.Pooling(word.get_embedding_dimension(), pooling_mode="mean")
    SentenceTransformer(modules=[word, pool], device="cpu").save(str(out))
    return out
