"""Escalation timers (R12): ladder state per instruction, steps taken, notifications.

A trigger on ``instructions`` sets the ladder's ``next_due_at`` to the epoch whenever
an instruction changes state, so the scheduler sees acknowledgements, completions,
returns and withdrawals at once, whichever code path wrote them.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
OPEN = sa.text("next_due_at IS NOT NULL")
UNSENT = sa.text("notified_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("instruction_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("unit_id", ID, nullable=False),
        sa.Column("rule_id", sa.String(length=48), nullable=True),
        sa.Column("assignee_id", ID, nullable=True),
        sa.Column("assignee_how", sa.String(length=16), nullable=False),
        sa.Column("phase", sa.String(length=8), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("window_start", TS, nullable=False),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.Column("ack_limit", sa.String(length=32), nullable=False),
        sa.Column("done_limit", sa.String(length=32), nullable=False),
        sa.Column("ack_grace", sa.String(length=32), nullable=False),
        sa.Column("done_grace", sa.String(length=32), nullable=False),
        sa.Column("next_due_at", TS, nullable=True),
        sa.Column("closed_reason", sa.String(length=24), nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["instructions.id"],
            name=op.f("fk_escalations_instruction_id_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_escalations_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_escalations_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["people.id"], name=op.f("fk_escalations_assignee_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("instruction_id", name=op.f("uq_escalations_instruction_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_escalations_next_due_at", ["next_due_at"], postgresql_where=OPEN, sqlite_where=OPEN
        )
        batch_op.create_index("ix_escalations_case_unit", ["case_id", "unit_id"])
        batch_op.create_index(batch_op.f("ix_escalations_unit_id"), ["unit_id"])

    op.create_table(
        "escalation_steps",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("escalation_id", ID, nullable=False),
        sa.Column("instruction_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("cause", sa.String(length=16), nullable=True),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("taken_at", TS, nullable=False),
        sa.Column("taken_by", sa.String(length=64), nullable=False),
        sa.Column("notices", sa.JSON(), nullable=False),
        sa.Column("notified_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_steps_escalation_id_escalations"),
        ),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["instructions.id"],
            name=op.f("fk_escalation_steps_instruction_id_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_escalation_steps_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_steps")),
        sa.UniqueConstraint("instruction_id", "step", name="uq_escalation_steps_instruction_step"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("escalation_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_steps_escalation_id"), ["escalation_id"])
        batch_op.create_index(batch_op.f("ix_escalation_steps_case_id"), ["case_id"])
        batch_op.create_index(
            "ix_escalation_steps_unsent", ["taken_at"], postgresql_where=UNSENT, sqlite_where=UNSENT
        )

    op.create_table(
        "escalation_notifications",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=96), nullable=False),
        sa.Column("recipient", sa.String(length=48), nullable=False),
        sa.Column("person_id", ID, nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("instruction_id", ID, nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_escalation_notifications_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["instructions.id"],
            name=op.f("fk_escalation_notifications_instruction_id_instructions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_notifications")),
        sa.UniqueConstraint("key", name=op.f("uq_escalation_notifications_key")),
    )
    with op.batch_alter_table("escalation_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_notifications_person_id"), ["person_id"])
        batch_op.create_index(
            batch_op.f("ix_escalation_notifications_case_number"), ["case_number"]
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION liandong_escalation_poke() RETURNS trigger AS $$
            BEGIN
              UPDATE escalations SET next_due_at = '1970-01-01 00:00:00+00'
               WHERE instruction_id = NEW.id AND next_due_at IS NOT NULL;
              RETURN NULL;
            END $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER instructions_escalation_poke AFTER UPDATE OF state ON instructions "
            "FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) "
            "EXECUTE FUNCTION liandong_escalation_poke()"
        )
    else:
        # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' text in UTC.
        op.execute(
            "CREATE TRIGGER instructions_escalation_poke AFTER UPDATE OF state ON instructions "
            "FOR EACH ROW WHEN OLD.state IS NOT NEW.state BEGIN "
            "UPDATE escalations SET next_due_at = '1970-01-01 00:00:00.000000' "
            "WHERE instruction_id = NEW.id AND next_due_at IS NOT NULL; END"
        )


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER instructions_escalation_poke"
        + (" ON instructions" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION liandong_escalation_poke()")
    op.drop_table("escalation_notifications")
    op.drop_table("escalation_steps")
    op.drop_table("escalations")
