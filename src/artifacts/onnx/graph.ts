/**
 * Building an ONNX GraphProto as plain objects (the field names of onnx.proto): nodes in
 * topological order, float32 initializers stored as little-endian `raw_data`, unique value names.
 */

/** TensorProto.DataType values used here. */
export const DataType = Object.freeze({ FLOAT: 1, INT64: 7 });

/** AttributeProto.AttributeType values used here. */
const AttributeType = Object.freeze({ FLOAT: 1, INT: 2, STRING: 3, INTS: 7, STRINGS: 8 });

/** A node attribute: a float, an int, a list of ints or a string, tagged by kind. */
export type Attribute =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: readonly string[] };

export const attr = Object.freeze({
  float: (value: number): Attribute => ({ kind: 'float', value }),
  int: (value: number): Attribute => ({ kind: 'int', value }),
  ints: (value: readonly number[]): Attribute => ({ kind: 'ints', value }),
  string: (value: string): Attribute => ({ kind: 'string', value }),
  strings: (value: readonly string[]): Attribute => ({ kind: 'strings', value }),
});

function attributeProto(name: string, a: Attribute): Record<string, unknown> {
  switch (a.kind) {
    case 'float':
      return { name, type: AttributeType.FLOAT, f: a.value };
    case 'int':
      return { name, type: AttributeType.INT, i: a.value };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: [...a.value] };
    case 'string':
      return { name, type: AttributeType.STRING, s: Buffer.from(a.value, 'utf8') };
    case 'strings':
      return { name, type: AttributeType.STRINGS, strings: a.value.map((v) => Buffer.from(v, 'utf8')) };
  }
}

/** A dimension: a fixed size, or a named symbolic one (the batch). */
export type Dim = number | string;

export function valueInfo(name: string, elemType: number, dims: readonly Dim[]): Record<string, unknown> {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

export class OnnxGraph {
  readonly nodes: Record<string, unknown>[] = [];
  readonly initializers: Record<string, unknown>[] = [];
  private readonly used = new Set<string>();
  private readonly counts = new Map<string, number>();

  /** A value name not used before: `base`, else `base_1`, `base_2`, … */
  fresh(base: string): string {
    let name = base;
    while (this.used.has(name)) {
      const n = (this.counts.get(base) ?? 0) + 1;
      this.counts.set(base, n);
      name = `${base}_${n}`;
    }
    this.used.add(name);
    return name;
  }

  /** Reserves a name the graph's interface fixes (its input). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX graph: the name ${name} is taken`);
    this.used.add(name);
    return name;
  }

  /** A float32 initializer; returns its (unique) name. */
  float(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    const values = Float32Array.from(data);
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size)
      throw new Error(`ONNX initializer ${name}: ${values.length} values for dims [${dims.join(', ')}]`);
    const unique = this.fresh(name);
    this.initializers.push({
      name: unique,
      dims: [...dims],
      data_type: DataType.FLOAT,
      // Buffer.from on a typed array's memory is little-endian, as raw_data requires.
      raw_data: Buffer.from(values.buffer, values.byteOffset, values.byteLength),
    });
    return unique;
  }

  /** A float32 scalar constant. */
  scalar(name: string, value: number): string {
    return this.float(name, [], [value]);
  }

  /** An int64 initializer (shapes for Reshape). */
  int64(name: string, dims: readonly number[], data: readonly number[]): string {
    const unique = this.fresh(name);
    const values = BigInt64Array.from(data, (v) => BigInt(v));
    this.initializers.push({
      name: unique,
      dims: [...dims],
      data_type: DataType.INT64,
      raw_data: Buffer.from(values.buffer, values.byteOffset, values.byteLength),
    });
    return unique;
  }

  /**
   * Appends a node of `opType` and returns its output's name. `name` names the node and its
   * output (made unique); an empty input name stands for an omitted optional input.
   */
  node(
    opType: string,
    inputs: readonly string[],
    name: string,
    attributes: Record<string, Attribute> = {},
  ): string {
    const output = this.fresh(name);
    this.nodes.push({
      op_type: opType,
      name: output,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attributes).map(([key, a]) => attributeProto(key, a)),
    });
    return output;
  }
}
