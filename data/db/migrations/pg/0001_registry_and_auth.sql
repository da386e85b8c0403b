CREATE TABLE "experiments" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" text NOT NULL,
	CONSTRAINT "experiments_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "model_aliases" (
	"model_name" text NOT NULL,
	"alias" text NOT NULL,
	"version" integer NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "model_aliases_model_name_alias_pk" PRIMARY KEY("model_name","alias")
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"model_name" text NOT NULL,
	"version" integer NOT NULL,
	"run_id" text,
	"kind" text NOT NULL,
	"bundle_sha256" text NOT NULL,
	"storage_uri" text,
	"weighted_f1" real,
	"eval_split" text,
	"data_sha256" text,
	"created_by" text NOT NULL,
	"created_at" text NOT NULL,
	CONSTRAINT "model_versions_model_name_version_pk" PRIMARY KEY("model_name","version")
);
--> statement-breakpoint
CREATE TABLE "registered_models" (
	"name" text PRIMARY KEY NOT NULL,
	"description" text,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "registry_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_name" text NOT NULL,
	"action" text NOT NULL,
	"version" integer,
	"alias" text,
	"actor" text NOT NULL,
	"detail" text,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_metrics" (
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"step" integer NOT NULL,
	"value" real NOT NULL,
	"created_at" text NOT NULL,
	CONSTRAINT "run_metrics_run_id_key_step_pk" PRIMARY KEY("run_id","key","step")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"experiment_id" integer NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"params" text NOT NULL,
	"metrics" text NOT NULL,
	"tags" text NOT NULL,
	"git_commit" text,
	"data_sha256" text,
	"bundle_path" text,
	"bundle_sha256" text,
	"mlflow_run_id" text,
	"started_at" text NOT NULL,
	"ended_at" text
);
--> statement-breakpoint
ALTER TABLE "prediction_logs" ADD COLUMN "modality" text;--> statement-breakpoint
ALTER TABLE "prediction_logs" ADD COLUMN "top_k" text;--> statement-breakpoint
ALTER TABLE "prediction_logs" ADD COLUMN "input_sha256" text;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "owner_user_id" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "password_hash" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "is_disabled" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_model_name_registered_models_name_fk" FOREIGN KEY ("model_name") REFERENCES "public"."registered_models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_name_registered_models_name_fk" FOREIGN KEY ("model_name") REFERENCES "public"."registered_models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_metrics" ADD CONSTRAINT "run_metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "model_versions_sha_idx" ON "model_versions" USING btree ("model_name","bundle_sha256");