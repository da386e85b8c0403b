CREATE TABLE `categories` (
	`code` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `image_variants` (
	`image_sha256` text NOT NULL,
	`size_px` integer NOT NULL,
	`path` text NOT NULL,
	`sha256` text NOT NULL,
	`bytes` integer NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`image_sha256`, `size_px`)
);
--> statement-breakpoint
CREATE TABLE `prediction_logs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer,
	`productid` integer,
	`model_version` text NOT NULL,
	`input_text` text,
	`image_sha256` text,
	`predicted_code` integer NOT NULL,
	`confidence` real NOT NULL,
	`latency_ms` real NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `products` (
	`productid` integer PRIMARY KEY NOT NULL,
	`imageid` integer,
	`source_index` integer,
	`designation` text,
	`description` text,
	`cleaned_text` text,
	`cleaned_at` text,
	`prdtypecode` integer,
	`source` text NOT NULL,
	`split` text,
	`image_path` text,
	`image_sha256` text,
	`image_type` text,
	`image_error` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`prdtypecode`) REFERENCES `categories`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `products_split_idx` ON `products` (`split`);--> statement-breakpoint
CREATE INDEX `products_image_sha256_idx` ON `products` (`image_sha256`);--> statement-breakpoint
CREATE INDEX `products_prdtypecode_idx` ON `products` (`prdtypecode`);--> statement-breakpoint
CREATE TABLE `seller_feedback` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`prediction_log_id` integer,
	`user_id` integer,
	`productid` integer,
	`correct_code` integer NOT NULL,
	`comment` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`prediction_log_id`) REFERENCES `prediction_logs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`correct_code`) REFERENCES `categories`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `split_manifests` (
	`data_sha256` text PRIMARY KEY NOT NULL,
	`seed` integer NOT NULL,
	`manifest` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`role` text DEFAULT 'user' NOT NULL,
	`token_sha256` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);