-- LTI 1.3: platform registrations, the tool's signing keys, launch state and nonces, LMS ids and service endpoints.
-- Courses and users created by a launch get ids derived from the platform's issuer (lti-<8 hex of sha256(iss)>-…),
-- so two platforms can never collide; the ids the LMS itself uses are kept in the lms_* / lti_* columns.

CREATE TABLE lti_platforms (
  issuer         text NOT NULL,
  client_id      text NOT NULL,
  auth_login_url text NOT NULL,
  auth_token_url text NOT NULL,
  jwks_url       text NOT NULL,
  deployment_ids text[] NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issuer, client_id)
);

-- The tool's RSA key pairs. The private key is AES-256-GCM encrypted (key derived from SESSION_SECRET with HKDF);
-- the active key has retired_at NULL; retired keys stay published for the rotation grace period.
CREATE TABLE lti_keys (
  kid                   text PRIMARY KEY,
  public_jwk            jsonb NOT NULL,
  private_key_encrypted text NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now(),
  retired_at            timestamptz
);
CREATE UNIQUE INDEX lti_keys_one_active_idx ON lti_keys ((true)) WHERE retired_at IS NULL;

-- One row per login initiation: the state (also held in a browser cookie) and the nonce the launch must carry.
CREATE TABLE lti_states (
  state      text PRIMARY KEY,
  nonce      text NOT NULL,
  issuer     text NOT NULL,
  client_id  text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX lti_states_expiry_idx ON lti_states (expires_at);

-- Nonces of accepted launches: each is accepted once (primary key) until it expires.
CREATE TABLE lti_nonces (
  nonce      text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX lti_nonces_expiry_idx ON lti_nonces (expires_at);

ALTER TABLE courses
  ADD COLUMN lti_issuer     text,
  ADD COLUMN lti_context_id text,
  -- The LMS's own course id (Canvas: $Canvas.course.id from the custom claim), for its REST API.
  ADD COLUMN lms_course_id  text;
ALTER TABLE users
  ADD COLUMN lti_issuer  text,
  ADD COLUMN lti_sub     text,
  -- The LMS's own user id (Canvas: $Canvas.user.id from the custom claim), for its REST API.
  ADD COLUMN lms_user_id text;

-- Per course, the platform registration and LTI Advantage endpoints seen in its latest launch.
CREATE TABLE lti_course_services (
  course_id               text PRIMARY KEY REFERENCES courses (id) ON DELETE CASCADE,
  issuer                  text NOT NULL,
  client_id               text NOT NULL,
  deployment_id           text NOT NULL,
  context_memberships_url text,
  lineitems_url           text,
  lineitem_url            text,
  ags_scopes              text[] NOT NULL DEFAULT '{}',
  updated_at              timestamptz NOT NULL DEFAULT now()
);
