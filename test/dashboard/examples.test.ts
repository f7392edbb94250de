/**
 * Every job template on the dashboard's submit page passes the checks POST /v1/jobs makes (spec,
 * data and resource limits under the default config), so a user who picks one gets a 201.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { EXAMPLES } from '../../src/dashboard/examples.js';
import { checkJobLimits, jobResourceLimits } from '../../src/service/job-limits.js';
import { validateJobRequest } from '../../src/service/job-spec.js';

const config = loadConfig({});
const hasFashionMnist = existsSync(join(config.FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz'));
const limits = { maxSamples: config.MAX_SAMPLES, maxEpochs: config.MAX_EPOCHS };

describe('the dashboard examples', () => {
  it.each(Object.entries(EXAMPLES))('%s passes the submit checks', (_title, job) => {
    // The Fashion-MNIST example needs Debian's dataset-fashion-mnist (.ci/run installs it).
    if (JSON.stringify(job.data).includes('fashion-mnist') && !hasFashionMnist) return;
    expect(checkJobLimits(job, jobResourceLimits(config))).toEqual([]);
    const outcome = validateJobRequest(job, limits);
    expect(outcome.ok ? [] : outcome.issues).toEqual([]);
  });

  it('cover the model kinds the service trains', () => {
    const types = new Set(
      Object.values(EXAMPLES).flatMap((job) =>
        ('layers' in job.model ? job.model.layers : []).map((l: { type: string }) => l.type),
      ),
    );
    for (const kind of ['Linear', 'Conv2d', 'LSTM', 'GRU', 'TransformerEncoder'])
      expect(types).toContain(kind);
  });
});
