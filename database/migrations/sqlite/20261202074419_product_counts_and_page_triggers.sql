-- atlas:delimiter \nGO

-- The triggers below keep, in the transaction of every write whatever
-- issues it, the product counters behind totalCount (product_counts) and
-- the page version of the seller whose product pages the write changes.
-- SQLite drops a table's triggers with the table: a migration that rebuilds
-- products, sellers, customer_service_groups or contacts must create them
-- again (TestMigrationsKeepTriggers fails otherwise).
DROP INDEX `product_status`;
GO
INSERT INTO `product_counts` (`seller_id`, `status`, `n`) SELECT `seller_id`, `status`, COUNT(*) FROM `products` GROUP BY `seller_id`, `status`;
GO
CREATE TRIGGER `products_count_insert` AFTER INSERT ON `products` BEGIN
  INSERT INTO `product_counts` (`seller_id`, `status`, `n`) VALUES (NEW.`seller_id`, NEW.`status`, 1)
    ON CONFLICT (`seller_id`, `status`) DO UPDATE SET `n` = `n` + 1;
  UPDATE `sellers` SET `page_version` = `page_version` + 1 WHERE `id` = NEW.`seller_id`;
END;
GO
CREATE TRIGGER `products_count_update` AFTER UPDATE OF `status` ON `products` WHEN OLD.`status` <> NEW.`status` BEGIN
  UPDATE `product_counts` SET `n` = `n` - 1 WHERE `seller_id` = OLD.`seller_id` AND `status` = OLD.`status`;
  INSERT INTO `product_counts` (`seller_id`, `status`, `n`) VALUES (NEW.`seller_id`, NEW.`status`, 1)
    ON CONFLICT (`seller_id`, `status`) DO UPDATE SET `n` = `n` + 1;
END;
GO
CREATE TRIGGER `products_page_update` AFTER UPDATE ON `products` BEGIN
  UPDATE `sellers` SET `page_version` = `page_version` + 1 WHERE `id` = NEW.`seller_id`;
END;
GO
CREATE TRIGGER `products_count_delete` AFTER DELETE ON `products` BEGIN
  UPDATE `product_counts` SET `n` = `n` - 1 WHERE `seller_id` = OLD.`seller_id` AND `status` = OLD.`status`;
  UPDATE `sellers` SET `page_version` = `page_version` + 1 WHERE `id` = OLD.`seller_id`;
END;
GO
CREATE TRIGGER `groups_page_insert` AFTER INSERT ON `customer_service_groups` BEGIN
  UPDATE `sellers` SET `page_version` = `page_version` + 1 WHERE `id` = NEW.`seller_id`;
END;
GO
CREATE TRIGGER `groups_page_update` AFTER UPDATE ON `customer_service_groups` BEGIN
  UPDATE `sellers` SET `page_version` = `page_version` + 1 WHERE `id` = NEW.`seller_id`;
END;
GO
CREATE TRIGGER `groups_page_delete` AFTER DELETE ON `customer_service_groups` BEGIN
  UPDATE `sellers` SET `page_version` = `page_version` + 1 WHERE `id` = OLD.`seller_id`;
END;
GO
CREATE TRIGGER `contacts_page_insert` AFTER INSERT ON `contacts` BEGIN
  UPDATE `sellers` SET `page_version` = `page_version` + 1 WHERE `id` = NEW.`seller_id`;
END;
GO
CREATE TRIGGER `contacts_page_update` AFTER UPDATE ON `contacts` BEGIN
  UPDATE `sellers` SET `page_version` = `page_version` + 1 WHERE `id` = NEW.`seller_id`;
END;
GO
CREATE TRIGGER `contacts_page_delete` AFTER DELETE ON `contacts` BEGIN
  UPDATE `sellers` SET `page_version` = `page_version` + 1 WHERE `id` = OLD.`seller_id`;
END;
GO
CREATE TRIGGER `sellers_page_update` AFTER UPDATE OF `name`, `business_contact_id`, `pre_sales_contact_id` ON `sellers` BEGIN
  UPDATE `sellers` SET `page_version` = `page_version` + 1 WHERE `id` = NEW.`id`;
END;
GO
