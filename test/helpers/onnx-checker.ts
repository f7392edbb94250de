/**
 * Debian's ONNX checker (python3-onnx) over an exported file, where it is installed: the ONNX tests
 * run it on every model they export and say once that it is skipped when it is not there.
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

const PYTHON = '/usr/bin/python3';

export const hasOnnxChecker = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
if (!hasOnnxChecker)
  console.warn(
    `not running the ONNX checker: ${PYTHON} cannot import onnx (apt-get install -y python3-onnx)`,
  );

/** Asserts the file passes `onnx.checker.check_model(full_check=True)`; returns its opset and IR version. */
export function expectOnnxChecks(file: string): { opset: number; irVersion: number } {
  const check = spawnSync(
    PYTHON,
    [
      '-c',
      'import sys, onnx; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(m.opset_import[0].version, m.ir_version)',
      file,
    ],
    { encoding: 'utf8' },
  );
  expect(check.status, check.stderr).toBe(0);
  const [opset, irVersion] = check.stdout.trim().split(' ').map(Number);
  return { opset, irVersion };
}
