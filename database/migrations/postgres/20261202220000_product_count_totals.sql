-- atlas:delimiter \nGO

-- Totals by status beside the per-seller counters: the product_counts rows
-- whose seller_id is a shard, -1 - (seller_id % 16), hold the sums of the
-- sellers' rows of that shard. The public list's totalCount then sums at
-- most 16 rows whatever the number of sellers (policy.VisibleProductCounts),
-- and product writes of sellers in different shards lock different rows.
INSERT INTO "product_counts" ("seller_id", "status", "n") SELECT -1 - ("seller_id" % 16), "status", SUM("n") FROM "product_counts" WHERE "seller_id" >= 0 GROUP BY -1 - ("seller_id" % 16), "status";
GO
CREATE OR REPLACE FUNCTION "product_counted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE "product_counts" SET "n" = "n" - 1
      WHERE "seller_id" IN (OLD."seller_id", -1 - (OLD."seller_id" % 16)) AND "status" = OLD."status";
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "product_counts" ("seller_id", "status", "n")
      VALUES (NEW."seller_id", NEW."status", 1), (-1 - (NEW."seller_id" % 16), NEW."status", 1)
      ON CONFLICT ("seller_id", "status") DO UPDATE SET "n" = "product_counts"."n" + 1;
  END IF;
  RETURN NULL;
END $$;
GO
