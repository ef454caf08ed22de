"""auth: MFA factors, recovery codes, verifications (Medusa 2.15.3/2.16.0 tables) and pending MFA challenges.

Revision ID: auth_0003
Revises: auth_0002
Create Date: 2026-12-05
"""
from alembic import op

revision = "auth_0003"
down_revision = "auth_0002"
branch_labels = None
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "auth_mfa_factor" ("id" text NOT NULL, "auth_identity_id" text NOT NULL, '
    '"provider" text NOT NULL, "status" text NOT NULL, "provider_metadata" jsonb NULL, "metadata" jsonb NULL, '
    '"created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), '
    '"deleted_at" timestamptz NULL, CONSTRAINT "auth_mfa_factor_pkey" PRIMARY KEY ("id"))',
    'CREATE INDEX IF NOT EXISTS "IDX_auth_mfa_factor_auth_identity_id" ON "auth_mfa_factor" ("auth_identity_id") '
    'WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_auth_mfa_factor_deleted_at" ON "auth_mfa_factor" ("deleted_at") '
    'WHERE deleted_at IS NULL',
    # one pending-or-enabled factor per provider and identity: a concurrent second enrolment fails here
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_auth_mfa_factor_auth_identity_provider_active" ON "auth_mfa_factor" '
    '("auth_identity_id", "provider") WHERE deleted_at IS NULL AND status IN (\'pending\', \'enabled\')',
    'CREATE TABLE IF NOT EXISTS "auth_mfa_recovery_code" ("id" text NOT NULL, "auth_identity_id" text NOT NULL, '
    '"code_hash" text NOT NULL, "created_at" timestamptz NOT NULL DEFAULT now(), '
    '"updated_at" timestamptz NOT NULL DEFAULT now(), "deleted_at" timestamptz NULL, '
    'CONSTRAINT "auth_mfa_recovery_code_pkey" PRIMARY KEY ("id"))',
    'CREATE INDEX IF NOT EXISTS "IDX_auth_mfa_recovery_code_auth_identity_id" ON "auth_mfa_recovery_code" '
    '("auth_identity_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_auth_mfa_recovery_code_deleted_at" ON "auth_mfa_recovery_code" ("deleted_at") '
    'WHERE deleted_at IS NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_auth_mfa_recovery_code_auth_identity_code_hash" ON '
    '"auth_mfa_recovery_code" ("auth_identity_id", "code_hash") WHERE deleted_at IS NULL',
    'ALTER TABLE "auth_mfa_factor" ADD CONSTRAINT "auth_mfa_factor_auth_identity_id_foreign" FOREIGN KEY '
    '("auth_identity_id") REFERENCES "auth_identity" ("id") ON UPDATE CASCADE ON DELETE CASCADE',
    'ALTER TABLE "auth_mfa_recovery_code" ADD CONSTRAINT "auth_mfa_recovery_code_auth_identity_id_foreign" '
    'FOREIGN KEY ("auth_identity_id") REFERENCES "auth_identity" ("id") ON UPDATE CASCADE ON DELETE CASCADE',
    'CREATE TABLE IF NOT EXISTS "auth_verification" ("id" text NOT NULL, "auth_identity_id" text NOT NULL, '
    '"entity_id" text NOT NULL, "entity_type" text NOT NULL, "code_provider" text NOT NULL, '
    '"verified_at" timestamptz NULL, "requested_at" timestamptz NOT NULL, "provider_metadata" jsonb NULL, '
    '"metadata" jsonb NULL, "created_at" timestamptz NOT NULL DEFAULT now(), '
    '"updated_at" timestamptz NOT NULL DEFAULT now(), "deleted_at" timestamptz NULL, '
    'CONSTRAINT "auth_verification_pkey" PRIMARY KEY ("id"))',
    'CREATE INDEX IF NOT EXISTS "IDX_auth_verification_auth_identity_id" ON "auth_verification" '
    '("auth_identity_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_auth_verification_deleted_at" ON "auth_verification" ("deleted_at") '
    'WHERE deleted_at IS NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_auth_verification_unique_auth_identity_entity_id_entity_type" ON '
    '"auth_verification" ("auth_identity_id", "entity_id", "entity_type") WHERE deleted_at IS NULL',
    # confirm looks a code up by its hash (Medusa filters provider_metadata.token_hash)
    'CREATE INDEX IF NOT EXISTS "IDX_auth_verification_token_hash" ON "auth_verification" '
    '((provider_metadata->>\'token_hash\')) WHERE deleted_at IS NULL',
    'ALTER TABLE "auth_verification" ADD CONSTRAINT "auth_verification_auth_identity_id_foreign" FOREIGN KEY '
    '("auth_identity_id") REFERENCES "auth_identity" ("id") ON UPDATE CASCADE ON DELETE CASCADE',
    'CREATE TABLE IF NOT EXISTS "auth_mfa_challenge" ("id" text PRIMARY KEY, "auth_identity_id" text NOT NULL '
    'REFERENCES "auth_identity" ("id") ON UPDATE CASCADE ON DELETE CASCADE, "auth_provider" text NULL, '
    '"methods" jsonb NOT NULL, "expires_at" timestamptz NOT NULL, "attempts" integer NOT NULL DEFAULT 0, '
    '"max_attempts" integer NOT NULL, "completed_at" timestamptz NULL, "metadata" jsonb NULL, '
    '"created_at" timestamptz NOT NULL DEFAULT now())',
    'CREATE INDEX IF NOT EXISTS "IDX_auth_mfa_challenge_expires_at" ON "auth_mfa_challenge" ("expires_at")',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for table in ("auth_mfa_challenge", "auth_verification", "auth_mfa_recovery_code", "auth_mfa_factor"):
        op.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')
