-- create "events" table
CREATE TABLE `events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `type` text NOT NULL, `occurred_at` datetime NOT NULL, `actor` text NOT NULL, `actor_role` text NOT NULL, `subject_id` integer NOT NULL, `changes` json NOT NULL, `customer_service_group_id` integer NULL, `product_id` integer NULL, `review_id` integer NULL, `seller_id` integer NULL, CONSTRAINT `events_customer_service_groups_events` FOREIGN KEY (`customer_service_group_id`) REFERENCES `customer_service_groups` (`id`) ON DELETE SET NULL, CONSTRAINT `events_products_events` FOREIGN KEY (`product_id`) REFERENCES `products` (`id`) ON DELETE SET NULL, CONSTRAINT `events_reviews_events` FOREIGN KEY (`review_id`) REFERENCES `reviews` (`id`) ON DELETE SET NULL, CONSTRAINT `events_sellers_events` FOREIGN KEY (`seller_id`) REFERENCES `sellers` (`id`) ON DELETE SET NULL);
-- set sequence for "events" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("events", 25769803776);
-- create index "event_occurred_at" to table: "events"
CREATE INDEX `event_occurred_at` ON `events` (`occurred_at`);
-- create index "event_seller_id_occurred_at" to table: "events"
CREATE INDEX `event_seller_id_occurred_at` ON `events` (`seller_id`, `occurred_at`);
-- create index "event_review_id" to table: "events"
CREATE INDEX `event_review_id` ON `events` (`review_id`);
-- create index "event_product_id" to table: "events"
CREATE INDEX `event_product_id` ON `events` (`product_id`);
-- create index "event_customer_service_group_id" to table: "events"
CREATE INDEX `event_customer_service_group_id` ON `events` (`customer_service_group_id`);
-- create "webhook_deliveries" table
CREATE TABLE `webhook_deliveries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `seller_id` integer NULL, `status` text NOT NULL DEFAULT ('PENDING'), `attempts` integer NOT NULL DEFAULT (0), `last_attempt_at` datetime NULL, `last_response_status` integer NULL, `next_attempt_at` datetime NULL, `last_error` text NULL, `locked_until` datetime NULL, `event_id` integer NOT NULL, `endpoint_id` integer NOT NULL, CONSTRAINT `webhook_deliveries_events_deliveries` FOREIGN KEY (`event_id`) REFERENCES `events` (`id`) ON DELETE NO ACTION, CONSTRAINT `webhook_deliveries_webhook_endpoints_deliveries` FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints` (`id`) ON DELETE CASCADE);
-- set sequence for "webhook_deliveries" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("webhook_deliveries", 30064771072);
-- create index "webhookdelivery_endpoint_id_event_id" to table: "webhook_deliveries"
CREATE UNIQUE INDEX `webhookdelivery_endpoint_id_event_id` ON `webhook_deliveries` (`endpoint_id`, `event_id`);
-- create index "webhookdelivery_status_next_attempt_at" to table: "webhook_deliveries"
CREATE INDEX `webhookdelivery_status_next_attempt_at` ON `webhook_deliveries` (`status`, `next_attempt_at`);
-- create "webhook_endpoints" table
CREATE TABLE `webhook_endpoints` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `url` text NOT NULL, `event_types` json NOT NULL, `secret` text NOT NULL, `seller_id` integer NULL, CONSTRAINT `webhook_endpoints_sellers_webhook_endpoints` FOREIGN KEY (`seller_id`) REFERENCES `sellers` (`id`) ON DELETE SET NULL);
-- set sequence for "webhook_endpoints" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("webhook_endpoints", 34359738368);
