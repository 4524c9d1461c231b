-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_webhook_endpoints" table
CREATE TABLE `new_webhook_endpoints` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `url` text NOT NULL, `event_types` json NOT NULL, `secret` text NOT NULL, `seller_id` integer NULL, CONSTRAINT `webhook_endpoints_sellers_webhook_endpoints` FOREIGN KEY (`seller_id`) REFERENCES `sellers` (`id`) ON DELETE CASCADE);
-- set sequence for "new_webhook_endpoints" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_webhook_endpoints", 34359738368);
-- copy rows from old table "webhook_endpoints" to new temporary table "new_webhook_endpoints"
INSERT INTO `new_webhook_endpoints` (`id`, `created_at`, `url`, `event_types`, `secret`, `seller_id`) SELECT `id`, `created_at`, `url`, `event_types`, `secret`, `seller_id` FROM `webhook_endpoints`;
-- drop "webhook_endpoints" table after copying rows
DROP TABLE `webhook_endpoints`;
-- rename temporary table "new_webhook_endpoints" to "webhook_endpoints"
ALTER TABLE `new_webhook_endpoints` RENAME TO `webhook_endpoints`;
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
