"""Clock cycle names as long as a part's ``NAME@UNIT``: per-part SLA clocks of joint
tickets (协办) run one cycle per co-unit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sla_clocks") as batch:
        batch.alter_column(
            "clock",
            existing_type=sa.String(length=32),
            type_=sa.String(length=97),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("sla_clocks") as batch:
        batch.alter_column(
            "clock",
            existing_type=sa.String(length=97),
            type_=sa.String(length=32),
            existing_nullable=False,
        )
