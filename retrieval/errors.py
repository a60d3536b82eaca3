"""Engine exceptions; the edges (CLI, bot) turn them into Chinese messages."""


class EngineError(Exception):
    """Base class for every error the engine raises on purpose."""


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


class EmptyCorpusError(EngineError):
    """The corpus has no readable document, so there is nothing to index."""


class IndexWriteError(EngineError):
    """Writing a new build failed (e.g. disk full); the previous index keeps serving."""

    def __init__(self, cause: OSError):
        import errno
        self.cause = cause
        what = "磁盘空间不足" if cause.errno == errno.ENOSPC else (cause.strerror or str(cause))
        super().__init__(f"写入新索引失败：{what}。临时文件已清理，原索引继续使用。")
