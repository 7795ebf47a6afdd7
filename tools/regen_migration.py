"""Regenerate the newest migration from the models while it is unreleased.

Usage: `.venv/bin/python tools/regen_migration.py 0002 "message"`. Deletes that revision, migrates a
scratch SQLite database to the revision before it, and autogenerates the revision again.
Only for a revision no deployed database has run yet.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command

from ordertalk.migrations import HERE, alembic_config


def main() -> None:
    """Regenerate one revision."""
    rev, message = sys.argv[1], sys.argv[2]
    for old in (HERE / "versions").glob(f"{rev}_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        config = alembic_config(f"sqlite+aiosqlite:///{Path(tmp) / 'scratch.db'}")
        command.upgrade(config, "head")
        command.revision(config, message=message, autogenerate=True, rev_id=rev)
    new = next((HERE / "versions").glob(f"{rev}_*.py"))
    # The column type is ours, but what the database stores is a plain timezone-aware timestamp.
    text = new.read_text().replace(
        "ordertalk.db.UtcDateTime(timezone=True)", "sa.DateTime(timezone=True)"
    )
    text = text.replace("def upgrade() -> None:\n", 'def upgrade() -> None:\n    """Apply."""\n')
    text = text.replace(
        "def downgrade() -> None:\n", 'def downgrade() -> None:\n    """Revert."""\n'
    )
    new.write_text(text)
    subprocess.run([sys.executable, "-m", "ruff", "format", str(new)], check=True)  # noqa: S603
    subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "-q", str(new)], check=False)  # noqa: S603
    print(new)


if __name__ == "__main__":
    main()
