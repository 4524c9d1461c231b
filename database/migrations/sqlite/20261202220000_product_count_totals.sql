-- atlas:delimiter \nGO

-- Totals by status beside the per-seller counters: the product_counts rows
-- whose seller_id is a shard, -1 - (seller_id % 16), hold the sums of the
-- sellers' rows of that shard. The public list's totalCount then sums at
-- most 16 rows whatever the number of sellers (policy.VisibleProductCounts),
-- and product writes of sellers in different shards move different rows.
INSERT INTO `product_counts` (`seller_id`, `status`, `n`) SELECT -1 - (`seller_id` % 16), `status`, SUM(`n`) FROM `product_counts` WHERE `seller_id` >= 0 GROUP BY -1 - (`seller_id` % 16), `status`;
GO
DROP TRIGGER `products_count_insert`;
GO
CREATE TRIGGER `products_count_insert` AFTER INSERT ON `products` BEGIN
  INSERT INTO `product_counts` (`seller_id`, `status`, `n`) VALUES (NEW.`seller_id`, NEW.`status`, 1)
    ON CONFLICT (`seller_id`, `status`) DO UPDATE SET `n` = `n` + 1;
  INSERT INTO `product_counts` (`seller_id`, `status`, `n`) VALUES (-1 - (NEW.`seller_id` % 16), NEW.`status`, 1)
    ON CONFLICT (`seller_id`, `status`) DO UPDATE SET `n` = `n` + 1;
  UPDATE `sellers` SET `page_version` = `page_version` + 1 WHERE `id` = NEW.`seller_id`;
END;
GO
DROP TRIGGER `products_count_update`;
GO
CREATE TRIGGER `products_count_update` AFTER UPDATE OF `status` ON `products` WHEN OLD.`status` <> NEW.`status` BEGIN
  UPDATE `product_counts` SET `n` = `n` - 1 WHERE `seller_id` IN (OLD.`seller_id`, -1 - (OLD.`seller_id` % 16)) AND `status` = OLD.`status`;
  INSERT INTO `product_counts` (`seller_id`, `status`, `n`) VALUES (NEW.`seller_id`, NEW.`status`, 1)
    ON CONFLICT (`seller_id`, `status`) DO UPDATE SET `n` = `n` + 1;
  INSERT INTO `product_counts` (`seller_id`, `status`, `n`) VALUES (-1 - (NEW.`seller_id` % 16), NEW.`status`, 1)
    ON CONFLICT (`seller_id`, `status`) DO UPDATE SET `n` = `n` + 1;
END;
GO
DROP TRIGGER `products_count_delete`;
GO
CREATE TRIGGER `products_count_delete` AFTER DELETE ON `products` BEGIN
  UPDATE `product_counts` SET `n` = `n` - 1 WHERE `seller_id` IN (OLD.`seller_id`, -1 - (OLD.`seller_id` % 16)) AND `status` = OLD.`status`;
  UPDATE `sellers` SET `page_version` = `page_version` + 1 WHERE `id` = OLD.`seller_id`;
END;
GO
