/** A model the ONNX exporter cannot write (missing weights, a layer with no exact ONNX form). */
export class OnnxExportError extends Error {
  readonly code = 'onnx_export_failed';
}
