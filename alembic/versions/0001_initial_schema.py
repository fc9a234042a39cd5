"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-12-03

Everything the sync needs, including the NOTIFY trigger on job inserts (payload: the job id only,
far below NOTIFY's 8000-byte limit).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

DIFFICULTY = postgresql.ENUM("Easy", "Medium", "Hard", name="difficulty", create_type=False)
JOB_STATUS = postgresql.ENUM("INCOMPLETE", "PROCESSING", "COMPLETE", "FAILED", name="job_status",
                             create_type=False)
CHANNEL = "codebloom_job_inserted"


def upgrade() -> None:
    DIFFICULTY.create(op.get_bind(), checkfirst=False)
    JOB_STATUS.create(op.get_bind(), checkfirst=False)
    op.create_table('leaderboard',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('uq_leaderboard_one_current', 'leaderboard', [sa.literal_column('(ended_at IS NULL)')], unique=True, postgresql_where=sa.text('ended_at IS NULL'))
    op.create_table('leetcode_session',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('csrf', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('problem',
    sa.Column('slug', sa.String(length=256), nullable=False),
    sa.Column('question_id', sa.String(length=32), nullable=True),
    sa.Column('frontend_id', sa.String(length=32), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('difficulty', DIFFICULTY, nullable=False),
    sa.Column('ac_rate', sa.Numeric(precision=20, scale=18), nullable=True),
    sa.Column('topics', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('paid_only', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('slug')
    )
    op.create_table('problem_of_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slug', sa.String(length=256), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('difficulty', DIFFICULTY, nullable=False),
    sa.Column('multiplier', sa.Numeric(precision=6, scale=3), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('multiplier >= 1 AND multiplier <= 5', name='ck_potd_multiplier'),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('users',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('leetcode_username', sa.String(length=128), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sync_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('uq_users_username_ci', 'users', [sa.literal_column('lower(leetcode_username)')], unique=True)
    op.create_table('leaderboard_score',
    sa.Column('leaderboard_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('score', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.CheckConstraint('score >= 0', name='ck_score_non_negative'),
    sa.ForeignKeyConstraint(['leaderboard_id'], ['leaderboard.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('leaderboard_id', 'user_id')
    )
    op.create_table('submission',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('leaderboard_id', sa.BigInteger(), nullable=True),
    sa.Column('slug', sa.String(length=256), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('difficulty', DIFFICULTY, nullable=False),
    sa.Column('ac_rate', sa.Numeric(precision=20, scale=18), nullable=False),
    sa.Column('multiplier', sa.Numeric(precision=6, scale=3), server_default=sa.text('1'), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('list_lang', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('code', sa.Text(), nullable=True),
    sa.Column('runtime_ms', sa.Integer(), nullable=True),
    sa.Column('runtime_display', sa.String(length=32), nullable=True),
    sa.Column('runtime_percentile', sa.Float(), nullable=True),
    sa.Column('memory_bytes', sa.BigInteger(), nullable=True),
    sa.Column('memory_display', sa.String(length=32), nullable=True),
    sa.Column('memory_percentile', sa.Float(), nullable=True),
    sa.Column('language', sa.String(length=32), nullable=True),
    sa.Column('language_display', sa.String(length=64), nullable=True),
    sa.Column('details_fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['leaderboard_id'], ['leaderboard.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['slug'], ['problem.slug'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_submission_user', 'submission', ['user_id', 'submitted_at'], unique=False)
    op.create_table('sync_run',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('slot', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default=sa.text("'queued'"), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('new_submissions', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('queued_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'slot', name='uq_sync_run_user_slot')
    )
    op.create_table('user_problem',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('slug', sa.String(length=256), nullable=False),
    sa.Column('first_submission_id', sa.BigInteger(), nullable=False),
    sa.Column('first_solved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'slug')
    )
    op.create_table('job',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('submission_id', sa.BigInteger(), nullable=False),
    sa.Column('status', JOB_STATUS, server_default=sa.text("'INCOMPLETE'"), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.UUID(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempts >= 0', name='ck_job_attempts'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submission_id')
    )
    op.create_index('ix_job_due', 'job', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'INCOMPLETE'"))
    op.create_index('ix_job_lease', 'job', ['lease_expires_at'], unique=False, postgresql_where=sa.text("status = 'PROCESSING'"))
    op.create_index('ix_job_enqueued', 'job', ['enqueued_at'], unique=False, postgresql_where=sa.text("enqueued_at IS NOT NULL"))
    op.create_index('ix_job_status', 'job', ['status'], unique=False)
    op.create_index('ix_sync_run_slot', 'sync_run', ['slot'], unique=False)
    op.execute(f"""
        CREATE FUNCTION notify_job_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', NEW.id::text);
            RETURN NULL;
        END;
        $$;
    """)
    op.execute("""
        CREATE TRIGGER job_inserted_notify AFTER INSERT ON job
        FOR EACH ROW EXECUTE FUNCTION notify_job_inserted();
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS job_inserted_notify ON job")
    op.execute("DROP FUNCTION IF EXISTS notify_job_inserted()")
    op.drop_index('ix_sync_run_slot', table_name='sync_run')
    op.drop_index('ix_job_status', table_name='job')
    op.drop_index('ix_job_enqueued', table_name='job')
    op.drop_index('ix_job_lease', table_name='job', postgresql_where=sa.text("status = 'PROCESSING'"))
    op.drop_index('ix_job_due', table_name='job', postgresql_where=sa.text("status = 'INCOMPLETE'"))
    op.drop_table('job')
    op.drop_table('user_problem')
    op.drop_table('sync_run')
    op.drop_index('ix_submission_user', table_name='submission')
    op.drop_table('submission')
    op.drop_table('leaderboard_score')
    op.drop_index('uq_users_username_ci', table_name='users')
    op.drop_table('users')
    op.drop_table('problem_of_day')
    op.drop_table('problem')
    op.drop_table('leetcode_session')
    op.drop_index('uq_leaderboard_one_current', table_name='leaderboard', postgresql_where=sa.text('ended_at IS NULL'))
    op.drop_table('leaderboard')
    JOB_STATUS.drop(op.get_bind(), checkfirst=False)
    DIFFICULTY.drop(op.get_bind(), checkfirst=False)
