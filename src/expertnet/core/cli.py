"""What the commands of every package share: progress bars on standard error, and migrating the
database to the latest schema."""

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from expertnet.config import get_settings

ROOT = Path(__file__).resolve().parents[3]
err = Console(stderr=True)


def progress_bar(description: str, total: int | None) -> Progress:
    """A bar on a terminal; nothing when standard error is a file or a pipe."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=False,
    )
    progress.add_task(description, total=total)
    return progress


def migrate(database_url: str | None = None) -> None:
    """Alembic upgrade to head: the configured database, or `database_url`."""
    from alembic import command
    from alembic.config import Config

    settings = get_settings()
    if settings.is_sqlite and not database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    cfg = Config(str(ROOT / "alembic.ini"))
    if database_url:
        cfg.attributes["database_url"] = database_url
    command.upgrade(cfg, "head")
