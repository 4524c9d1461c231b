-- create "idempotency_keys" table
CREATE TABLE `idempotency_keys` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `subject` text NOT NULL, `key` text NOT NULL, `fingerprint` text NOT NULL, `claim_token` text NOT NULL, `status` integer NULL, `content_type` text NULL, `response_body` blob NULL, `created_at` datetime NOT NULL, `expires_at` datetime NOT NULL, `locked_until` datetime NULL);
-- set sequence for "idempotency_keys" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("idempotency_keys", 38654705664);
-- create index "idempotencykey_subject_key" to table: "idempotency_keys"
CREATE UNIQUE INDEX `idempotencykey_subject_key` ON `idempotency_keys` (`subject`, `key`);
-- create index "idempotencykey_expires_at" to table: "idempotency_keys"
CREATE INDEX `idempotencykey_expires_at` ON `idempotency_keys` (`expires_at`);
