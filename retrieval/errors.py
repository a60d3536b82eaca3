"""Engine exceptions; the edges (CLI, bot) turn them into Chinese messages."""


class EngineError(Exception):
    """Base class for every error the engine raises on purpose."""
    # a command that helps next ("docs": the list of documents; "replace": add anyway, replacing):
    # each edge names it in its own terms (CLI flags, chat commands)
    hint = ""


class ConfigError(EngineError):
    """An environment variable (or `.env` line) holds a value that cannot be used."""

    def __init__(self, name: str, value: str, expected: str):
        self.name, self.value = name, value
        super().__init__(f"配置项 {name}={value!r} 无效：{expected}")


class UnreadableFileError(EngineError):
    """A corpus file cannot be turned into text; `reason` is shown to the user."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class EmbedderMismatchError(EngineError):
    """The index was built by another embedder than the one configured."""

    def __init__(self, built_with: str, configured: str):
        self.built_with = built_with
        self.configured = configured
        super().__init__(
            f"索引由嵌入模型 {built_with} 构建，当前配置的是 {configured}；"
            f"请用当前模型重新运行 reindex，或改回原模型。")


class IndexMissingError(EngineError):
    """No built index exists at the given directory."""


class IndexCorruptError(EngineError):
    """The built index is unreadable (truncated or damaged files)."""


class ReindexBusyError(EngineError):
    """Another reindex is already running on this index directory."""

    def __init__(self):
        super().__init__("另一个重建索引任务正在进行，请稍后再试")


class ChangeCancelledError(EngineError):
    """An admin cancelled a change (add, replace, remove, reindex) before its new index was
    written: files and index are as they were."""

    def __init__(self):
        super().__init__("已取消，原有文件和索引保持不变")


class EmptyCorpusError(EngineError):
    """The corpus has no readable document, so there is nothing to index (the message names no
    server path: it is shown in chat)."""

    def __init__(self, formats: str):
        super().__init__(f"文件目录中没有可读取的文件（支持 {formats}）")


def _disk_full(cause: BaseException) -> bool:
    import errno
    text = str(cause).lower()
    return (getattr(cause, "errno", None) == errno.ENOSPC or "database or disk is full" in text
            or "no space left" in text)


class IndexWriteError(EngineError):
    """Writing a new build failed (disk full, read-only folder, SQLite or FAISS write error); the
    previous index keeps serving. `cause` may be any exception."""

    def __init__(self, cause: BaseException):
        import errno
        self.cause = cause
        if _disk_full(cause):
            what = "磁盘空间不足"
        elif getattr(cause, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS) or \
                "readonly" in str(cause).lower() or "read-only" in str(cause).lower():
            what = "索引目录不可写（只读或没有写权限）"
        else:
            what = getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
        super().__init__(f"写入新索引失败：{what}。临时文件已清理，原索引继续使用。")
