-- Create "contacts" table
CREATE TABLE `contacts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `kind` text NOT NULL, `contact_name` text NULL, `phone` text NOT NULL, `email` text NOT NULL, `contact_address` text NULL, `revision` integer NOT NULL, `seller_id` integer NOT NULL, CONSTRAINT `contacts_sellers_contacts` FOREIGN KEY (`seller_id`) REFERENCES `sellers` (`id`) ON DELETE NO ACTION);
-- Create index "contact_seller_id_kind_revision" to table: "contacts"
CREATE UNIQUE INDEX `contact_seller_id_kind_revision` ON `contacts` (`seller_id`, `kind`, `revision`);
-- Create "customer_service_groups" table
CREATE TABLE `customer_service_groups` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `name_key` text NOT NULL, `phone` text NOT NULL, `email` text NOT NULL, `service_days` json NOT NULL, `service_hours` json NOT NULL, `time_zone` text NOT NULL, `version` integer NOT NULL DEFAULT (1), `seller_id` integer NOT NULL, CONSTRAINT `customer_service_groups_sellers_customer_service_groups` FOREIGN KEY (`seller_id`) REFERENCES `sellers` (`id`) ON DELETE NO ACTION);
-- Set sequence for "customer_service_groups" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("customer_service_groups", 4294967296);
-- Create index "customerservicegroup_seller_id_name_key" to table: "customer_service_groups"
CREATE UNIQUE INDEX `customerservicegroup_seller_id_name_key` ON `customer_service_groups` (`seller_id`, `name_key`);
-- Create "products" table
CREATE TABLE `products` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `summary` text NOT NULL DEFAULT (''), `status` text NOT NULL DEFAULT ('DRAFT'), `released_at` datetime NULL, `version` integer NOT NULL DEFAULT (1), `after_sales_group_id` integer NULL, `seller_id` integer NOT NULL, CONSTRAINT `products_customer_service_groups_products` FOREIGN KEY (`after_sales_group_id`) REFERENCES `customer_service_groups` (`id`) ON DELETE SET NULL, CONSTRAINT `products_sellers_products` FOREIGN KEY (`seller_id`) REFERENCES `sellers` (`id`) ON DELETE NO ACTION);
-- Set sequence for "products" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("products", 8589934592);
-- Create index "product_status" to table: "products"
CREATE INDEX `product_status` ON `products` (`status`);
-- Create index "product_seller_id_status" to table: "products"
CREATE INDEX `product_seller_id_status` ON `products` (`seller_id`, `status`);
-- Create index "product_after_sales_group_id_status" to table: "products"
CREATE INDEX `product_after_sales_group_id_status` ON `products` (`after_sales_group_id`, `status`);
-- Create "reviews" table
CREATE TABLE `reviews` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `kind` text NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `changes` json NOT NULL, `submitted_by` text NOT NULL, `submitted_at` datetime NOT NULL, `due_at` datetime NOT NULL, `decided_by` text NULL, `decided_at` datetime NULL, `comment` text NULL, `contact_id` integer NULL, `product_id` integer NULL, `seller_id` integer NOT NULL, CONSTRAINT `reviews_contacts_review` FOREIGN KEY (`contact_id`) REFERENCES `contacts` (`id`) ON DELETE SET NULL, CONSTRAINT `reviews_products_reviews` FOREIGN KEY (`product_id`) REFERENCES `products` (`id`) ON DELETE SET NULL, CONSTRAINT `reviews_sellers_reviews` FOREIGN KEY (`seller_id`) REFERENCES `sellers` (`id`) ON DELETE NO ACTION);
-- Set sequence for "reviews" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("reviews", 12884901888);
-- Create index "reviews_contact_id_key" to table: "reviews"
CREATE UNIQUE INDEX `reviews_contact_id_key` ON `reviews` (`contact_id`);
-- Create index "review_seller_id_kind" to table: "reviews"
CREATE UNIQUE INDEX `review_seller_id_kind` ON `reviews` (`seller_id`, `kind`) WHERE status = 'PENDING' AND kind <> 'PRODUCT_RELEASE';
-- Create index "review_product_id" to table: "reviews"
CREATE UNIQUE INDEX `review_product_id` ON `reviews` (`product_id`) WHERE status = 'PENDING';
-- Create index "review_status_due_at" to table: "reviews"
CREATE INDEX `review_status_due_at` ON `reviews` (`status`, `due_at`);
-- Create index "review_seller_id_submitted_at" to table: "reviews"
CREATE INDEX `review_seller_id_submitted_at` ON `reviews` (`seller_id`, `submitted_at`);
-- Create "sellers" table
CREATE TABLE `sellers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `account_id` text NOT NULL, `name` text NOT NULL, `business_contact_id` integer NULL, `pre_sales_contact_id` integer NULL, CONSTRAINT `sellers_contacts_business_contact` FOREIGN KEY (`business_contact_id`) REFERENCES `contacts` (`id`) ON DELETE SET NULL, CONSTRAINT `sellers_contacts_pre_sales_contact` FOREIGN KEY (`pre_sales_contact_id`) REFERENCES `contacts` (`id`) ON DELETE SET NULL);
-- Set sequence for "sellers" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("sellers", 17179869184);
-- Create index "sellers_account_id_key" to table: "sellers"
CREATE UNIQUE INDEX `sellers_account_id_key` ON `sellers` (`account_id`);
