-- modify "customer_service_groups" table
ALTER TABLE "customer_service_groups" ADD COLUMN "weekly_hours" jsonb NULL, ADD COLUMN "closures" jsonb NULL;
