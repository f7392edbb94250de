/**
 * `trainyard download <id> [-o file] [--format safetensors|json|onnx]`: a succeeded job's weights,
 * or its model as ONNX.
 */
import { writeFileSync } from 'node:fs';
import { getJobModel } from '../../../openapi/sdk/sdk.gen.js';
import { CliError, type Context, EXIT, unwrap } from '../context.js';

export async function download(
  ctx: Context,
  id: string | undefined,
  options: { output?: string; format?: string },
) {
  if (id === undefined)
    throw new CliError('usage: trainyard download <job-id> [-o file] [--format json|onnx]', EXIT.usage);
  const format = options.format ?? 'safetensors';
  if (format !== 'safetensors' && format !== 'json' && format !== 'onnx') {
    throw new CliError(`--format must be safetensors, json or onnx (got "${format}")`, EXIT.usage);
  }
  const file = options.output ?? `${id}.${format}`;
  const bytes = unwrap(
    await getJobModel({ client: ctx.client, path: { id }, query: { format }, parseAs: 'arrayBuffer' }),
  ) as unknown as ArrayBuffer;
  writeFileSync(file, Buffer.from(bytes));
  if (ctx.output.json) ctx.output.out(JSON.stringify({ job_id: id, file, bytes: bytes.byteLength, format }));
  else ctx.output.out(`wrote ${file} (${bytes.byteLength} bytes)`);
  return EXIT.ok;
}
