/**
 * The ONNX protobuf schema, read by protobufjs from the official `onnx.proto` (ONNX 1.12: IR
 * version 8, opset 17; see proto/SOURCES.md). Messages are built as plain objects with the proto's
 * own snake_case field names and encoded here; nothing in this project writes protobuf by hand.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

const PROTO = new URL('./proto/onnx.proto', import.meta.url);

let modelProto: protobuf.Type | null = null;

function modelType(): protobuf.Type {
  // keepCase: field names as onnx.proto writes them (`raw_data`, not `rawData`).
  modelProto ??= protobuf
    .parse(readFileSync(PROTO, 'utf8'), { keepCase: true })
    .root.lookupType('onnx.ModelProto');
  return modelProto;
}

/** Encodes a ModelProto given as a plain object; throws when a field does not fit the schema. */
export function encodeModel(model: Record<string, unknown>): Uint8Array {
  const type = modelType();
  const problem = type.verify(model);
  if (problem !== null) throw new Error(`ONNX ModelProto: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/** Decodes ModelProto bytes into a plain object (enums as names, int64 as numbers, bytes as Buffers). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const type = modelType();
  return type.toObject(type.decode(bytes), { enums: String, longs: Number }) as Record<string, unknown>;
}
