"""needs surveys (issue 21)

Revision ID: 0021_surveys
Revises: 0020_impact
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0021_surveys'
down_revision = '0020_impact'
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete=None):
    target_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target_table}"))


def upgrade():
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_fr", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("intro_fr", sa.Text(), nullable=False),
        sa.Column("intro_en", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("owner_role", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("all_associations", sa.Boolean(), nullable=False),
        _fk("surveys", "created_by_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    op.create_table(
        "survey_buildings",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        _fk("survey_buildings", "survey_id", "surveys.id", "CASCADE"),
        _fk("survey_buildings", "building_id", "buildings.id"),
        sa.PrimaryKeyConstraint("survey_id", "building_id", name=op.f("pk_survey_buildings")),
    )
    op.create_table(
        "survey_associations",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        _fk("survey_associations", "survey_id", "surveys.id", "CASCADE"),
        _fk("survey_associations", "association_id", "associations.id"),
        sa.PrimaryKeyConstraint("survey_id", "association_id",
                                name=op.f("pk_survey_associations")),
    )
    op.create_table(
        "survey_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("text_fr", sa.String(length=500), nullable=False),
        sa.Column("text_en", sa.String(length=500), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("scale_min", sa.Integer(), nullable=True),
        sa.Column("scale_max", sa.Integer(), nullable=True),
        sa.Column("scale_low_fr", sa.String(length=100), nullable=False),
        sa.Column("scale_low_en", sa.String(length=100), nullable=False),
        sa.Column("scale_high_fr", sa.String(length=100), nullable=False),
        sa.Column("scale_high_en", sa.String(length=100), nullable=False),
        _fk("survey_questions", "survey_id", "surveys.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_questions")),
    )
    op.create_index(op.f("ix_survey_questions_survey_id"), "survey_questions", ["survey_id"])
    op.create_table(
        "survey_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label_fr", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        _fk("survey_options", "question_id", "survey_questions.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_options")),
    )
    op.create_index(op.f("ix_survey_options_question_id"), "survey_options", ["question_id"])
    op.create_table(
        "survey_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("association_id", sa.Integer(), nullable=True),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("survey_links", "survey_id", "surveys.id", "CASCADE"),
        _fk("survey_links", "household_id", "households.id"),
        _fk("survey_links", "user_id", "users.id"),
        _fk("survey_links", "association_id", "associations.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_links")),
        sa.UniqueConstraint("token", name=op.f("uq_survey_links_token")),
    )
    op.create_index(op.f("ix_survey_links_survey_id"), "survey_links", ["survey_id"])
    op.create_index(op.f("ix_survey_links_household_id"), "survey_links", ["household_id"])
    op.create_index(op.f("ix_survey_links_user_id"), "survey_links", ["user_id"])
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        _fk("survey_responses", "survey_id", "surveys.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
    )
    op.create_index(op.f("ix_survey_responses_survey_id"), "survey_responses", ["survey_id"])
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        _fk("survey_answers", "response_id", "survey_responses.id", "CASCADE"),
        _fk("survey_answers", "question_id", "survey_questions.id", "CASCADE"),
        _fk("survey_answers", "option_id", "survey_options.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
        sa.UniqueConstraint("response_id", "question_id", "option_id",
                            name=op.f("uq_survey_answers_response_id_question_id_option_id")),
    )
    op.create_index(op.f("ix_survey_answers_response_id"), "survey_answers", ["response_id"])
    op.create_index(op.f("ix_survey_answers_question_id"), "survey_answers", ["question_id"])


def downgrade():
    op.drop_table("survey_answers")
    op.drop_table("survey_responses")
    op.drop_table("survey_links")
    op.drop_table("survey_options")
    op.drop_table("survey_questions")
    op.drop_table("survey_associations")
    op.drop_table("survey_buildings")
    op.drop_table("surveys")
