-- modify "webhook_endpoints" table
ALTER TABLE "webhook_endpoints" DROP CONSTRAINT "webhook_endpoints_sellers_webhook_endpoints", ADD CONSTRAINT "webhook_endpoints_sellers_webhook_endpoints" FOREIGN KEY ("seller_id") REFERENCES "sellers" ("id") ON UPDATE NO ACTION ON DELETE CASCADE;
