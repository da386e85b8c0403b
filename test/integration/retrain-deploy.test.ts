import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

// The deployment files cannot run here (no Docker or Kubernetes engine): check they parse and say
// what docs/operations.md promises.

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

function documents(file: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(read(file));
  for (const doc of docs) expect(doc.errors, `${file}: ${doc.errors.join('; ')}`).toEqual([]);
  return docs.map((d) => d.toJS() as Record<string, unknown>);
}

describe('deployment files', () => {
  it('every Kubernetes manifest parses and names its kind', () => {
    const files = readdirSync(path.join(root, 'deploy/k8s')).filter((f) => f.endsWith('.yaml'));
    const kinds = files.flatMap((f) => documents(`deploy/k8s/${f}`).map((d) => d.kind));
    expect(kinds.sort()).toEqual(
      ['ConfigMap', 'CronJob', 'Deployment', 'HorizontalPodAutoscaler', 'Kustomization', 'PersistentVolumeClaim', 'Secret', 'Service'].sort(),
    );
  });

  it('serves rakuten@champion with probes on /ready and /health, and retrains weekly', () => {
    const serve = documents('deploy/k8s/serve.yaml');
    const text = JSON.stringify(serve);
    expect(text).toContain('"rakuten@champion","--host","0.0.0.0","--port","8080","--reload-interval","300"');
    expect(text).toContain('"readinessProbe":{"httpGet":{"path":"/ready"');
    expect(text).toContain('"livenessProbe":{"httpGet":{"path":"/health"');
    const secret = documents('deploy/k8s/secret.template.yaml')[0] as { stringData: Record<string, string> };
    expect(Object.keys(secret.stringData)).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'RAKUTEN_ML_S3_BUCKET', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'MLFLOW_TRACKING_URI', 'RAKUTEN_ML_JWT_SECRET']),
    );
    const workflow = documents('.github/workflows/retrain.yml')[0] as { on: { schedule: { cron: string }[] } };
    expect(workflow.on.schedule[0]?.cron).toBe('0 3 * * 1');
    expect(read('Dockerfile')).toMatch(/HEALTHCHECK[\s\S]*\/health/);
    expect(read('Dockerfile.train')).toMatch(/CMD \["retrain"/);
  });
});
