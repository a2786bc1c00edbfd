"""Each MRC's hotline, address and opening hours (per language where text)

The free-text ``mrc.contact`` block is replaced by structured data: ``mrc.hotline`` (E.164)
and one ``mrc_contact_text`` row per MRC and language with its address and opening hours.
An existing contact block that is not the old demo placeholder becomes the English address
(it was typed as free text, so it cannot be split reliably); the column is then emptied
and kept only so that old rows and code reading it do not break.

Revision ID: a1c2e3f40001
Revises: 9b4e7c1d2a60
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'a1c2e3f40001'
down_revision = '9b4e7c1d2a60'
branch_labels = None
depends_on = None

PLACEHOLDER = "[MRC hotline] · [opening hours]"
MAX_ADDRESS = 300

mrc = sa.table("mrc", sa.column("id", sa.Integer), sa.column("contact", sa.String))
texts = sa.table("mrc_contact_text", sa.column("mrc_id", sa.Integer),
                 sa.column("locale", sa.String), sa.column("address", sa.String),
                 sa.column("opening_hours", sa.String))


def upgrade() -> None:
    with op.batch_alter_table('mrc', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hotline', sa.String(length=32), nullable=False,
                                      server_default=''))
    op.create_table(
        'mrc_contact_text',
        sa.Column('mrc_id', sa.Integer(), nullable=False),
        sa.Column('locale', sa.String(length=8), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False, server_default=''),
        sa.Column('opening_hours', sa.String(length=200), nullable=False, server_default=''),
        sa.ForeignKeyConstraint(['mrc_id'], ['mrc.id'], name=op.f('fk_mrc_contact_text_mrc_id_mrc'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('mrc_id', 'locale', name=op.f('pk_mrc_contact_text')),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(mrc.c.id, mrc.c.contact)).all()
    moved = [{"mrc_id": row.id, "locale": "en", "address": row.contact.strip()[:MAX_ADDRESS],
              "opening_hours": ""}
             for row in rows if (row.contact or "").strip() not in ("", PLACEHOLDER)]
    if moved:
        connection.execute(texts.insert(), moved)
    connection.execute(mrc.update().values(contact=""))


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(texts.c.mrc_id, texts.c.address, texts.c.opening_hours)
                              .where(texts.c.locale == "en")).all()
    for row in rows:
        block = "\n".join(part for part in (row.address, row.opening_hours) if part)[:400]
        connection.execute(mrc.update().where(mrc.c.id == row.mrc_id).values(contact=block))
    op.drop_table('mrc_contact_text')
    with op.batch_alter_table('mrc', schema=None) as batch_op:
        batch_op.drop_column('hotline')
