// The generated SDK names the DOM's `BodyInit`; the project compiles without the DOM lib, so take
// Node's own (undici's) definition.
type BodyInit = import('undici-types').BodyInit;
