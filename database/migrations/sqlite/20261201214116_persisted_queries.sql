-- create "persisted_queries" table
CREATE TABLE `persisted_queries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `hash` text NOT NULL, `document` text NOT NULL);
-- set sequence for "persisted_queries" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("persisted_queries", 21474836480);
-- create index "persisted_queries_hash_key" to table: "persisted_queries"
CREATE UNIQUE INDEX `persisted_queries_hash_key` ON `persisted_queries` (`hash`);
