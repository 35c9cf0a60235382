"""feedback: ratings per stage, reopen holds, IVR call-back surveys, the follow-up
sample, the feedback watcher's cursor, and indexes on instructions.sent_at and
case_events(action, at) for the assessment reports.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "survey_calls",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at"),
        sa.Column("channel_id", sa.String(64), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.String(300), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_survey_calls_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_calls")),
        sa.UniqueConstraint("case_id", "round", name="uq_survey_calls_case_round"),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_survey_calls_state"), "survey_calls", ["state"])
    op.create_index(op.f("ix_survey_calls_next_attempt_at"), "survey_calls", ["next_attempt_at"])

    op.create_table(
        "followup_samples",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("sample_key", sa.String(64), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        _ts("picked_at"),
        _ts("done_at", nullable=True),
        sa.Column("staff", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_followup_samples_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_samples")),
        sa.UniqueConstraint("period", "case_id", name="uq_followup_samples_period_case"),
    )
    op.create_index("ix_followup_samples_period_state", "followup_samples", ["period", "state"])

    op.create_table(
        "ratings",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("unit_id", BigId, nullable=True),
        sa.Column("stage", sa.String(12), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        _ts("rated_at"),
        sa.Column("case_event_id", BigId, nullable=True),
        sa.Column("survey_call_id", BigId, nullable=True),
        sa.Column("sample_id", BigId, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_ratings_case_id_cases")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_ratings_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["case_event_id"], ["case_events.id"], name=op.f("fk_ratings_case_event_id_case_events")
        ),
        sa.ForeignKeyConstraint(
            ["survey_call_id"],
            ["survey_calls.id"],
            name=op.f("fk_ratings_survey_call_id_survey_calls"),
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["followup_samples.id"],
            name=op.f("fk_ratings_sample_id_followup_samples"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("case_event_id", name=op.f("uq_ratings_case_event_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_ratings_case_id"), "ratings", ["case_id"])
    op.create_index(op.f("ix_ratings_unit_id"), "ratings", ["unit_id"])
    op.create_index(op.f("ix_ratings_rated_at"), "ratings", ["rated_at"])

    op.create_table(
        "reopen_holds",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("rating_id", BigId, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        _ts("due_at"),
        _ts("created_at"),
        _ts("decided_at", nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_reopen_holds_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["rating_id"], ["ratings.id"], name=op.f("fk_reopen_holds_rating_id_ratings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reopen_holds")),
        sa.UniqueConstraint("rating_id", name=op.f("uq_reopen_holds_rating_id")),
    )
    op.create_index(op.f("ix_reopen_holds_case_id"), "reopen_holds", ["case_id"])
    op.create_index(op.f("ix_reopen_holds_due_at"), "reopen_holds", ["due_at"])

    op.create_table(
        "feedback_cursors",
        sa.Column("name", sa.String(48), nullable=False),
        sa.Column("value", BigId, nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_feedback_cursors")),
    )
    op.create_index("ix_instructions_sent_at", "instructions", ["sent_at"])
    op.create_index("ix_case_events_action_at", "case_events", ["action", "at"])


def downgrade() -> None:
    op.drop_index("ix_case_events_action_at", table_name="case_events")
    op.drop_index("ix_instructions_sent_at", table_name="instructions")
    for table in (
        "feedback_cursors",
        "reopen_holds",
        "ratings",
        "followup_samples",
        "survey_calls",
    ):
        op.drop_table(table)
