/**
 * The syntax tree of a custom-loss expression. Every node keeps `pos`, the 0-based offset of its
 * token in the source (for a binary node, its operator), so later checks can point at it.
 */

export type BinaryOp = '+' | '-' | '*' | '/' | '^';

export type Node =
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'name'; name: string; pos: number }
  | { kind: 'list'; items: Node[]; pos: number }
  | { kind: 'unary'; op: '-' | '+'; operand: Node; pos: number }
  | { kind: 'binary'; op: BinaryOp; left: Node; right: Node; pos: number }
  | { kind: 'call'; name: string; args: Node[]; kwargs: Kwarg[]; pos: number };

export interface Kwarg {
  name: string;
  value: Node;
  /** Offset of the keyword's name. */
  pos: number;
}

/** A compact Lisp-like rendering, for tests and debugging: `(+ a (* b c))`, `(mean x dim=1)`. */
export function show(node: Node): string {
  switch (node.kind) {
    case 'number':
      return String(node.value);
    case 'string':
      return `'${node.value}'`;
    case 'name':
      return node.name;
    case 'list':
      return `[${node.items.map(show).join(' ')}]`;
    case 'unary':
      return `(${node.op === '-' ? 'neg' : 'pos'} ${show(node.operand)})`;
    case 'binary':
      return `(${node.op} ${show(node.left)} ${show(node.right)})`;
    case 'call': {
      const parts = [
        node.name,
        ...node.args.map(show),
        ...node.kwargs.map((k) => `${k.name}=${show(k.value)}`),
      ];
      return `(${parts.join(' ')})`;
    }
  }
}
