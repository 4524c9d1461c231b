-- add column "weekly_hours" to table: "customer_service_groups"
ALTER TABLE `customer_service_groups` ADD COLUMN `weekly_hours` json NULL;
-- add column "closures" to table: "customer_service_groups"
ALTER TABLE `customer_service_groups` ADD COLUMN `closures` json NULL;
