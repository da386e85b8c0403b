/**
 * Runs once before the suite. PostgreSQL is started and MLflow installed by `.ci/run` (the S3 and
 * MLflow servers themselves are started by their suites)
 * or by the developer; this checks they were announced, so that under CI a missing service fails
 * the run instead of silently skipping its contract suite.
 */
export default function setup(): void {
  if (process.env.CI !== 'true') return;
  const required = ['TEST_DATABASE_URL', 'MLFLOW_BIN'];
  const missing = required.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(`CI=true but ${missing.join(', ')} is not set: .ci/run must start these services.`);
  }
}
