-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create index "product_status_id" to table: "products"
CREATE INDEX `product_status_id` ON `products` (`status`, `id`);
-- create index "product_status_released_at_id" to table: "products"
CREATE INDEX `product_status_released_at_id` ON `products` (`status`, `released_at`, `id`);
-- create "new_sellers" table
CREATE TABLE `new_sellers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `account_id` text NOT NULL, `name` text NOT NULL, `page_version` integer NOT NULL DEFAULT (0), `business_contact_id` integer NULL, `pre_sales_contact_id` integer NULL, CONSTRAINT `sellers_contacts_business_contact` FOREIGN KEY (`business_contact_id`) REFERENCES `contacts` (`id`) ON DELETE SET NULL, CONSTRAINT `sellers_contacts_pre_sales_contact` FOREIGN KEY (`pre_sales_contact_id`) REFERENCES `contacts` (`id`) ON DELETE SET NULL);
-- set sequence for "new_sellers" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_sellers", 17179869184);
-- copy rows from old table "sellers" to new temporary table "new_sellers"
INSERT INTO `new_sellers` (`id`, `created_at`, `account_id`, `name`, `business_contact_id`, `pre_sales_contact_id`) SELECT `id`, `created_at`, `account_id`, `name`, `business_contact_id`, `pre_sales_contact_id` FROM `sellers`;
-- drop "sellers" table after copying rows
DROP TABLE `sellers`;
-- rename temporary table "new_sellers" to "sellers"
ALTER TABLE `new_sellers` RENAME TO `sellers`;
-- create index "sellers_account_id_key" to table: "sellers"
CREATE UNIQUE INDEX `sellers_account_id_key` ON `sellers` (`account_id`);
-- create "product_counts" table
CREATE TABLE `product_counts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `seller_id` integer NOT NULL, `status` text NOT NULL, `n` integer NOT NULL DEFAULT (0));
-- set sequence for "product_counts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("product_counts", 42949672960);
-- create index "productcount_seller_id_status" to table: "product_counts"
CREATE UNIQUE INDEX `productcount_seller_id_status` ON `product_counts` (`seller_id`, `status`);
-- create index "productcount_status_n" to table: "product_counts"
CREATE INDEX `productcount_status_n` ON `product_counts` (`status`, `n`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
