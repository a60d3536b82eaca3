"""Year-plan table for admins (filled in by the calendar work)."""


def calendar_table(engine, region=None, month=None) -> str:
    return "尚未实现日程解析。"
