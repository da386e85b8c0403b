CREATE TABLE "categories" (
	"code" integer PRIMARY KEY NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "image_variants" (
	"image_sha256" text NOT NULL,
	"size_px" integer NOT NULL,
	"path" text NOT NULL,
	"sha256" text NOT NULL,
	"bytes" integer NOT NULL,
	"created_at" text NOT NULL,
	CONSTRAINT "image_variants_image_sha256_size_px_pk" PRIMARY KEY("image_sha256","size_px")
);
--> statement-breakpoint
CREATE TABLE "prediction_logs" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer,
	"productid" bigint,
	"model_version" text NOT NULL,
	"input_text" text,
	"image_sha256" text,
	"predicted_code" integer NOT NULL,
	"confidence" real NOT NULL,
	"latency_ms" real NOT NULL,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products" (
	"productid" bigint PRIMARY KEY NOT NULL,
	"imageid" bigint,
	"source_index" integer,
	"designation" text,
	"description" text,
	"cleaned_text" text,
	"cleaned_at" text,
	"prdtypecode" integer,
	"source" text NOT NULL,
	"split" text,
	"image_path" text,
	"image_sha256" text,
	"image_type" text,
	"image_error" text,
	"created_at" text NOT NULL,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "seller_feedback" (
	"id" serial PRIMARY KEY NOT NULL,
	"prediction_log_id" integer,
	"user_id" integer,
	"productid" bigint,
	"correct_code" integer NOT NULL,
	"comment" text,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "split_manifests" (
	"data_sha256" text PRIMARY KEY NOT NULL,
	"seed" integer NOT NULL,
	"manifest" text NOT NULL,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"role" text DEFAULT 'user' NOT NULL,
	"token_sha256" text,
	"created_at" text NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "prediction_logs" ADD CONSTRAINT "prediction_logs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_prdtypecode_categories_code_fk" FOREIGN KEY ("prdtypecode") REFERENCES "public"."categories"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seller_feedback" ADD CONSTRAINT "seller_feedback_prediction_log_id_prediction_logs_id_fk" FOREIGN KEY ("prediction_log_id") REFERENCES "public"."prediction_logs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seller_feedback" ADD CONSTRAINT "seller_feedback_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seller_feedback" ADD CONSTRAINT "seller_feedback_correct_code_categories_code_fk" FOREIGN KEY ("correct_code") REFERENCES "public"."categories"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "products_split_idx" ON "products" USING btree ("split");--> statement-breakpoint
CREATE INDEX "products_image_sha256_idx" ON "products" USING btree ("image_sha256");--> statement-breakpoint
CREATE INDEX "products_prdtypecode_idx" ON "products" USING btree ("prdtypecode");