-- atlas:delimiter \nGO

-- The triggers below keep, in the transaction of every write whatever
-- issues it, the product counters behind totalCount (product_counts) and
-- the page version of the seller whose product pages the write changes.
DROP INDEX "product_status";
GO
INSERT INTO "product_counts" ("seller_id", "status", "n") SELECT "seller_id", "status", COUNT(*) FROM "products" GROUP BY "seller_id", "status";
GO
CREATE FUNCTION "product_counted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE "product_counts" SET "n" = "n" - 1 WHERE "seller_id" = OLD."seller_id" AND "status" = OLD."status";
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "product_counts" ("seller_id", "status", "n") VALUES (NEW."seller_id", NEW."status", 1)
      ON CONFLICT ("seller_id", "status") DO UPDATE SET "n" = "product_counts"."n" + 1;
  END IF;
  RETURN NULL;
END $$;
GO
CREATE TRIGGER "products_count_insert_delete" AFTER INSERT OR DELETE ON "products" FOR EACH ROW EXECUTE FUNCTION "product_counted"();
GO
CREATE TRIGGER "products_count_update" AFTER UPDATE OF "status" ON "products" FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status") EXECUTE FUNCTION "product_counted"();
GO
CREATE FUNCTION "seller_page_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "sellers" SET "page_version" = "page_version" + 1
    WHERE "id" = CASE WHEN TG_OP = 'DELETE' THEN OLD."seller_id" ELSE NEW."seller_id" END;
  RETURN NULL;
END $$;
GO
CREATE TRIGGER "products_page" AFTER INSERT OR UPDATE OR DELETE ON "products" FOR EACH ROW EXECUTE FUNCTION "seller_page_changed"();
GO
CREATE TRIGGER "groups_page" AFTER INSERT OR UPDATE OR DELETE ON "customer_service_groups" FOR EACH ROW EXECUTE FUNCTION "seller_page_changed"();
GO
CREATE TRIGGER "contacts_page" AFTER INSERT OR UPDATE OR DELETE ON "contacts" FOR EACH ROW EXECUTE FUNCTION "seller_page_changed"();
GO
CREATE FUNCTION "seller_page_own"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."name" IS DISTINCT FROM OLD."name"
    OR NEW."business_contact_id" IS DISTINCT FROM OLD."business_contact_id"
    OR NEW."pre_sales_contact_id" IS DISTINCT FROM OLD."pre_sales_contact_id" THEN
    NEW."page_version" := OLD."page_version" + 1;
  END IF;
  RETURN NEW;
END $$;
GO
CREATE TRIGGER "sellers_page" BEFORE UPDATE ON "sellers" FOR EACH ROW EXECUTE FUNCTION "seller_page_own"();
GO
