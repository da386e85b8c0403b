CREATE TABLE `experiments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `experiments_name_unique` ON `experiments` (`name`);--> statement-breakpoint
CREATE TABLE `model_aliases` (
	`model_name` text NOT NULL,
	`alias` text NOT NULL,
	`version` integer NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`model_name`, `alias`),
	FOREIGN KEY (`model_name`) REFERENCES `registered_models`(`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `model_versions` (
	`model_name` text NOT NULL,
	`version` integer NOT NULL,
	`run_id` text,
	`kind` text NOT NULL,
	`bundle_sha256` text NOT NULL,
	`storage_uri` text,
	`weighted_f1` real,
	`eval_split` text,
	`data_sha256` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`model_name`, `version`),
	FOREIGN KEY (`model_name`) REFERENCES `registered_models`(`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `model_versions_sha_idx` ON `model_versions` (`model_name`,`bundle_sha256`);--> statement-breakpoint
CREATE TABLE `registered_models` (
	`name` text PRIMARY KEY NOT NULL,
	`description` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `registry_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model_name` text NOT NULL,
	`action` text NOT NULL,
	`version` integer,
	`alias` text,
	`actor` text NOT NULL,
	`detail` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `run_metrics` (
	`run_id` text NOT NULL,
	`key` text NOT NULL,
	`step` integer NOT NULL,
	`value` real NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`run_id`, `key`, `step`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`experiment_id` integer NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`params` text NOT NULL,
	`metrics` text NOT NULL,
	`tags` text NOT NULL,
	`git_commit` text,
	`data_sha256` text,
	`bundle_path` text,
	`bundle_sha256` text,
	`mlflow_run_id` text,
	`started_at` text NOT NULL,
	`ended_at` text,
	FOREIGN KEY (`experiment_id`) REFERENCES `experiments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `prediction_logs` ADD `modality` text;--> statement-breakpoint
ALTER TABLE `prediction_logs` ADD `top_k` text;--> statement-breakpoint
ALTER TABLE `prediction_logs` ADD `input_sha256` text;--> statement-breakpoint
ALTER TABLE `products` ADD `owner_user_id` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `password_hash` text;--> statement-breakpoint
ALTER TABLE `users` ADD `is_disabled` integer DEFAULT 0 NOT NULL;